//! The test harness itself: a sheet made in an isolated environment reads back as text and QR.

use crate::common;

use common::*;

#[test]
fn a_default_sheet_reads_back_as_text_and_qr() {
    let env = Env::new();
    env.cmd()
        .args(["generate", "--account", "demo@example.com"])
        .assert()
        .success();
    let bytes = std::fs::read(env.only_pdf()).unwrap();
    let text = pdf_text(&bytes);
    assert_eq!(codes_in(&text, "XXXX-XXXX-XXXX-XXXX").len(), 10, "{text}");
    let qr = qr_text(&bytes);
    assert!(qr.starts_with("RS2/"), "{qr}");
}
