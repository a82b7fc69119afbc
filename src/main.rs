use clap::Parser;
use fleetbench::cli::{self, Cli};

fn main() {
    let code = match Cli::try_parse() {
        Err(e) => cli::parse_error(&e),
        Ok(c) => cli::exit_code(cli::run(c)),
    };
    std::process::exit(code);
}
