//! The committed `schema.graphql` is the code's schema.

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql exists at the repository root");
    let generated = tracker::graphql::sdl();
    assert!(
        committed == generated,
        "schema.graphql is out of date: run `cargo run -q -- schema > schema.graphql` and commit it"
    );
}

#[test]
fn the_readme_shows_the_lifecycle_table_of_the_code() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = tracker::domain::lifecycle::markdown_table();
    assert!(
        readme.contains(&table),
        "README.md's lifecycle table differs from domain::lifecycle::TRANSITIONS; paste this:\n{table}"
    );
}
