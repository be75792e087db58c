//! Writes the fixture files into `fixtures/` (deterministic: same bytes every run).
//! `cargo run --example make_fixtures`; `tests/fixtures.rs` checks the committed files
//! are exactly what this writes, and what each one decodes to.

#[path = "../tests/support/fixture_set.rs"]
mod fixture_set;

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    std::fs::create_dir_all(&dir)?;
    for (name, bytes) in fixture_set::all()? {
        std::fs::write(dir.join(name), &bytes)?;
        println!("{name:32} {:>7} bytes", bytes.len());
    }
    Ok(())
}
