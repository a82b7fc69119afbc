//! cli
/// Entry point of the binary; returns the process exit code.
pub fn main() -> i32 {
    if std::env::args().nth(1).as_deref() == Some("__worker") {
        return crate::strategy::processes::worker_main();
    }
    0
}
