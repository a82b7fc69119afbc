use clap::Parser;
use fleetbench::cli::{self, Causes, Cli};

fn main() {
    let code = match Cli::try_parse() {
        Err(e) => cli::parse_error(&e),
        Ok(c) => cli::run(c).unwrap_or_else(|e| {
            eprintln!("fleetbench: error: {:#}", Causes(&e));
            cli::EXIT_USAGE
        }),
    };
    std::process::exit(code);
}
