//! emulator
pub mod ios;
