fn main() {
    std::process::exit(fleetbench::cli::main());
}
