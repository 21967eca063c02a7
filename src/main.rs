use clap::Parser;

fn main() {
    let cli = ferret::cli::Cli::parse();
    std::process::exit(ferret::app::run(cli));
}
