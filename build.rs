//! Converts `grammar/commands.toml` into JSON in `OUT_DIR`, which the shell parses at start-up
//! several times faster than TOML. The TOML stays the one source; the loader checks the result.

use std::path::Path;

fn main() {
    let source = Path::new("grammar/commands.toml");
    println!("cargo::rerun-if-changed={}", source.display());
    let text = std::fs::read_to_string(source).expect("grammar/commands.toml is readable");
    let table: toml::Value = toml::from_str(&text).expect("grammar/commands.toml is valid TOML");
    let json = serde_json::to_string(&table).expect("the table converts to JSON");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("commands.json"), json).expect("OUT_DIR is writable");
}
