use clap::Parser;
use fleetbench::cli::{self, Causes, Cli};

fn main() {
    let code = match Cli::try_parse() {
        Err(e) => cli::parse_error(&e),
        Ok(c) => cli::run(c).unwrap_or_else(|e| {
            // An error may quote a file or a device: escaped like everything shown.
            let message = format!("{:#}", Causes(&e));
            eprintln!(
                "fleetbench: error: {}",
                fleetbench::present::sanitize::for_terminal_text(&message)
            );
            cli::EXIT_USAGE
        }),
    };
    std::process::exit(code);
}
