//! `recovery-sheet serve`: the security rules over plain HTTP, the server's life as a process, and the pages in a real browser.

mod browser;
mod http;
mod lifecycle;
mod security;
mod server;
mod webdriver;

/// Ten Google backup codes as they are copied off Google's page, one a line.
pub const GOOGLE_PASTE: &str = "4012 6743
3021 7720
8841 0263
6605 1198
9930 5512
1852 9735
5092 3740
7719 2046
2287 4410
1476 8853
";
