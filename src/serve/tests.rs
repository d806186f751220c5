//! The server's life in-process: where it may listen, and how it stops (idle, a stop request).

use std::net::IpAddr;
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::*;
use crate::app::Verbosity;
use crate::config::{ConfigLocation, Loaded};
use crate::messages::Messages;

fn context(dir: &std::path::Path) -> Context {
    Context {
        ledger_flag: Some(dir.join("ledger.db")),
        config_location: ConfigLocation::None,
        config: Loaded::default(),
        verbosity: Verbosity::Quiet,
        messages: Messages::new(Lang::En),
    }
}

fn config(idle: Duration) -> ServeConfig {
    ServeConfig {
        idle,
        signals: Signals::Ignore,
        ..ServeConfig::default()
    }
}

#[test]
fn only_127_0_0_1_and_ipv6_loopback_may_be_bound() {
    for ip in [
        "0.0.0.0",
        "::",
        "192.168.1.10",
        "10.0.0.1",
        "127.0.0.2",
        "::ffff:127.0.0.1",
        "fe80::1",
    ] {
        let ip: IpAddr = ip.parse().unwrap();
        assert!(
            matches!(LoopbackAddr::new(ip), Err(ServeError::NotLoopback(bad)) if bad == ip),
            "{ip}"
        );
    }
    assert_eq!(
        LoopbackAddr::new("127.0.0.1".parse().unwrap()).unwrap(),
        LoopbackAddr::V4
    );
    assert_eq!(
        LoopbackAddr::new("::1".parse().unwrap()).unwrap(),
        LoopbackAddr::V6
    );
}

#[test]
fn an_idle_server_stops_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::bind(
        &config(Duration::from_millis(300)),
        context(dir.path()),
        &mut StdRng::seed_from_u64(7),
    )
    .unwrap();
    assert_eq!(server.run().unwrap(), StopReason::Idle);
}

#[test]
fn a_stop_request_ends_the_server_and_frees_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::bind(
        &config(Duration::from_secs(600)),
        context(dir.path()),
        &mut StdRng::seed_from_u64(8),
    )
    .unwrap();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], server.port()));
    assert!(server.address().contains("/?token="));
    let stopper = server.stopper();
    let running = std::thread::spawn(move || server.run());
    assert!(std::net::TcpStream::connect(addr).is_ok(), "it listens");
    stopper.stop();
    assert_eq!(running.join().unwrap().unwrap(), StopReason::Requested);
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "nothing listens after the stop"
    );
}

#[test]
fn the_launcher_page_forwards_without_script_and_is_private() {
    let page = browser::launcher_page_for_tests("http://127.0.0.1:1/?token=ab");
    assert!(page.contains(r#"http-equiv="refresh" content="0;url=http://127.0.0.1:1/?token=ab""#));
    assert!(!page.contains("<script"));
}
