//! The server's life as a process: where it listens, how it opens the browser, how it stops.

use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use crate::common::*;

use super::http::Request;
use super::server::TestServer;

/// The addresses other programs could reach this machine at: the one the
/// default route leaves from (no packet is sent), and any in /proc.
fn other_addresses() -> Vec<IpAddr> {
    let mut out = Vec::new();
    if let Ok(socket) = UdpSocket::bind("0.0.0.0:0")
        && socket.connect("192.0.2.1:9").is_ok()
        && let Ok(local) = socket.local_addr()
    {
        out.push(local.ip());
    }
    if let Ok(trie) = std::fs::read_to_string("/proc/net/fib_trie") {
        let lines: Vec<&str> = trie.lines().collect();
        for pair in lines.windows(2) {
            if pair[1].contains("/32 host LOCAL")
                && let Some(ip) = pair[0].split_whitespace().last()
                && let Ok(ip) = ip.parse::<IpAddr>()
            {
                out.push(ip);
            }
        }
    }
    out.retain(|ip| !ip.is_loopback() && !ip.is_unspecified());
    out.sort();
    out.dedup();
    out
}

#[test]
fn it_listens_on_the_loopback_addresses_only_whatever_the_flags() {
    let env = Env::new();
    let server = TestServer::start(&env);
    let s = server.sign_in();
    let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, server.port));
    match Request::get("/")
        .header("Host", &format!("[::1]:{}", server.port))
        .header("Cookie", &s.cookie)
        .send(v6)
    {
        Ok(res) => assert_eq!(res.status, 200),
        Err(e) => eprintln!("note: ::1 not reachable here ({e}); 127.0.0.1 only"),
    }
    // Every other address of this machine: nothing answers on the port.
    for ip in other_addresses() {
        let addr = SocketAddr::new(ip, server.port);
        assert!(
            TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err(),
            "reachable at {addr}"
        );
    }
    // The kernel's own list: the port's listening sockets are 127.0.0.1 and ::1.
    let port_hex = format!(":{:04X} ", server.port);
    for (table, loopback) in [
        ("/proc/net/tcp", "0100007F:"),
        ("/proc/net/tcp6", "00000000000000000000000001000000:"),
    ] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text
            .lines()
            .filter(|l| l.contains(&port_hex) && l.split_whitespace().nth(3) == Some("0A"))
        {
            let local = line.split_whitespace().nth(1).unwrap();
            assert!(
                local.starts_with(loopback),
                "{table}: listening off loopback: {line}"
            );
        }
    }
    // There is no flag that names another address.
    for flag in ["--bind", "--host", "--address", "--listen"] {
        let out = env
            .cmd()
            .args(["serve", "--no-open", flag, "0.0.0.0"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(out.stdout.is_empty(), "no address printed for {flag}");
    }
}

#[test]
fn a_port_in_use_is_refused_with_advice() {
    let env = Env::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = env
        .cmd()
        .args(["serve", "--no-open", "--port", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(69), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty());
    assert!(
        stderr_of(&out).contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{}",
        stderr_of(&out)
    );
    assert!(stderr_of(&out).contains("--port"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_server_cleanly_and_frees_the_port() {
    let env = Env::new();
    let server = TestServer::start_with(&env, &["--idle-minutes", "5"]);
    let addr = server.v4();
    server.sign_in();
    let status = server.interrupt();
    assert!(status.success(), "{status:?}");
    let log = std::fs::read_to_string(env.root.path().join("serve.log")).unwrap();
    assert!(log.contains("stops after 5 minutes"), "{log}");
    assert!(log.trim_end().ends_with("stopped"), "{log}");
    assert!(TcpStream::connect(addr).is_err(), "nothing listens after");
}

#[test]
fn idle_minutes_out_of_range_is_a_usage_error() {
    let env = Env::new();
    for bad in ["0", "1441", "x"] {
        let out = env
            .cmd()
            .args(["serve", "--no-open", "--idle-minutes", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
}

/// `serve` without `--no-open` asks the system to open a page: that page is
/// a private file that forwards to the address; the token is never on a
/// command line, and the file goes once the token is exchanged.
#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn the_browser_is_opened_through_a_private_page_not_a_command_line() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let bin = env.root.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = env.root.path().join("xdg-open.txt");
    let fake = bin.join("xdg-open");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\n{{ echo \"args: $*\"; stat -c 'mode: %a' \"$1\"; cat \"$1\"; }} > '{}'\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let runtime = env.root.path().join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    let mut cmd = env.std_cmd();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    cmd.env("PATH", path).env("XDG_RUNTIME_DIR", &runtime);
    // Like TestServer::spawn, but without --no-open.
    let mut child = cmd
        .arg("serve")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut address = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut address,
    )
    .unwrap();
    let address = address.trim().to_owned();
    let token = address.rsplit('=').next().unwrap().to_owned();
    let seen = (0..200).find_map(|_| {
        std::thread::sleep(Duration::from_millis(50));
        std::fs::read_to_string(&record)
            .ok()
            .filter(|t| t.contains("</p>"))
    });
    let seen = seen.expect("xdg-open was run");
    let args = seen.lines().next().unwrap();
    assert!(
        !args.contains(&token),
        "the token on a command line: {args}"
    );
    assert!(args.contains(&runtime.display().to_string()), "{args}");
    assert!(seen.contains("mode: 600"), "{seen}");
    assert!(
        seen.contains(&format!(
            r#"http-equiv="refresh" content="0;url={address}""#
        )),
        "{seen}"
    );
    let page = args.trim_start_matches("args: ").to_owned();
    assert!(std::path::Path::new(&page).exists());
    // The browser follows the page: the token is exchanged and the page goes.
    let port: u16 = address
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let res = Request::get(&format!("/?token={token}"))
        .header("Host", &format!("127.0.0.1:{port}"))
        .header("Sec-Fetch-Site", "cross-site")
        .header("Sec-Fetch-Mode", "navigate")
        .header("Sec-Fetch-Dest", "document")
        .send(SocketAddr::from(([127, 0, 0, 1], port)))
        .unwrap();
    assert_eq!(res.status, 200, "signed in by the refresh page");
    assert!(!std::path::Path::new(&page).exists(), "the page is removed");
    let _ = child.kill();
    let _ = child.wait();
}
