//! The one integration test binary (submodules compile once).

mod processes;
