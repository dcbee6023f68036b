//! How much work a parsed document asks for, measured before async-graphql validates it.
//!
//! Validation and execution follow fragment spreads, so a small text can ask for an
//! enormous amount of work: thirty fragments each spreading the next twice make 2³⁰ field
//! visits from 1.2 KB. The measure here walks each fragment once (memoised over the
//! fragment graph), so it is linear in the document's size, and refuses cycles and chains
//! of spreads before anything that expands them runs.
use async_graphql::parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet};
use async_graphql::{Name, Positioned};
use std::collections::HashMap;

/// What a document asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Demand {
    /// Field visits: every field of each operation with its fragments expanded, plus every
    /// fragment's own fields once (validation visits both).
    pub selections: u64,
    /// The deepest nesting of fields, fragments expanded. Fields under `__schema` and
    /// `__type` do not count: introspection's nesting is the schema's fixed shape
    /// (graphql-js's `TypeRef` nests `ofType` nine levels), and its size still counts.
    pub depth: usize,
    /// Aliased fields, fragments expanded.
    pub aliases: u64,
    /// Whether it reads the schema (`__schema` or `__type`; `__typename` is not reading it).
    pub introspects: bool,
}

/// Why a document cannot be measured: it can never be answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unmeasurable {
    /// A fragment spreads itself, directly or through others.
    Cycle { fragment: String },
    /// Selection sets and fragment spreads nest more than [`MAX_NESTING`] levels.
    TooDeep,
}

/// How deeply selection sets and fragment spreads may nest, counted together. Bounds the
/// measure's own recursion (and async-graphql's, which follows the same paths) far below
/// a runtime worker's stack; real clients stay under 20.
pub const MAX_NESTING: usize = 64;

/// The size of a fragment, expanded: its field visits, depth and aliases.
#[derive(Clone, Copy, Default)]
struct Size {
    selections: u64,
    depth: usize,
    aliases: u64,
    introspects: bool,
}

enum Visit {
    InProgress,
    Done(Size),
}

struct Walker<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    visits: HashMap<&'a str, Visit>,
}

impl<'a> Walker<'a> {
    /// The size of `set`, `nesting` levels down. Depth is not measured inside
    /// introspection (`introspection`), but the walk still is.
    fn set(&mut self, set: &'a SelectionSet, nesting: usize, introspection: bool) -> Result<Size, Unmeasurable> {
        if nesting > MAX_NESTING {
            return Err(Unmeasurable::TooDeep);
        }
        let mut total = Size::default();
        for item in &set.items {
            let size = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    let reads_schema = name == "__schema" || name == "__type";
                    let inside = introspection || reads_schema;
                    let below = self.set(&field.selection_set.node, nesting + 1, inside)?;
                    Size {
                        selections: below.selections.saturating_add(1),
                        depth: if inside { 1 } else { below.depth + 1 },
                        aliases: below.aliases.saturating_add(u64::from(field.alias.is_some())),
                        introspects: below.introspects || reads_schema,
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.set(&fragment.node.selection_set.node, nesting + 1, introspection)?
                }
                Selection::FragmentSpread(spread) => {
                    let size = self.fragment(spread.node.fragment_name.node.as_str(), nesting + 1)?;
                    if introspection { Size { depth: 0, ..size } } else { size }
                }
            };
            total.selections = total.selections.saturating_add(size.selections);
            total.aliases = total.aliases.saturating_add(size.aliases);
            total.depth = total.depth.max(size.depth);
            total.introspects |= size.introspects;
        }
        Ok(total)
    }

    /// The expanded size of the fragment `name`, computed once. An unknown fragment counts
    /// nothing: validation reports it.
    fn fragment(&mut self, name: &'a str, nesting: usize) -> Result<Size, Unmeasurable> {
        match self.visits.get(name) {
            Some(Visit::Done(size)) => return Ok(*size),
            Some(Visit::InProgress) => {
                return Err(Unmeasurable::Cycle {
                    fragment: name.to_string(),
                });
            }
            None => {}
        }
        let Some(definition) = self.fragments.get(name) else {
            return Ok(Size::default());
        };
        self.visits.insert(name, Visit::InProgress);
        // Measured outside introspection; a spread inside it drops the depth (see `set`).
        let size = self.set(&definition.node.selection_set.node, nesting, false)?;
        self.visits.insert(name, Visit::Done(size));
        Ok(size)
    }
}

/// Measures `document`: linear in its size, whatever its fragments expand to.
pub fn measure(document: &ExecutableDocument) -> Result<Demand, Unmeasurable> {
    let mut walker = Walker {
        fragments: &document.fragments,
        visits: HashMap::with_capacity(document.fragments.len()),
    };
    let mut demand = Demand::default();
    for (_, operation) in document.operations.iter() {
        let size = walker.set(&operation.node.selection_set.node, 0, false)?;
        demand.selections = demand.selections.saturating_add(size.selections);
        demand.aliases = demand.aliases.saturating_add(size.aliases);
        demand.depth = demand.depth.max(size.depth);
        demand.introspects |= size.introspects;
    }
    for (name, definition) in &document.fragments {
        let expanded = walker.fragment(name.as_str(), 0)?;
        // A fragment's own fields are visited once more where validation checks it alone;
        // its expanded size is an upper bound of that, and keeps the measure simple.
        let own = count_fields(&definition.node.selection_set.node);
        demand.selections = demand.selections.saturating_add(own.min(expanded.selections));
    }
    Ok(demand)
}

/// How many names (words) a document's text holds, strings and comments aside: an upper
/// bound of its fields, counted in a pass over the bytes. Parsing costs ~5 µs a name, so a
/// text with far more names than the limit allows is refused before it is parsed.
pub fn count_names(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut names = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 3;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                names += 1;
                while i < bytes.len() && matches!(bytes[i], b'_' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z') {
                    i += 1;
                }
            }
            // Digits of numbers (`1e5` included) are not names.
            b'0'..=b'9' => {
                while i < bytes.len() && matches!(bytes[i], b'_' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    names
}

/// The fields written in `set` itself, spreads not followed.
fn count_fields(set: &SelectionSet) -> u64 {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => 1 + count_fields(&field.node.selection_set.node),
            Selection::InlineFragment(fragment) => count_fields(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn demand(query: &str) -> Result<Demand, Unmeasurable> {
        measure(&parse_query(query).unwrap())
    }

    /// Thirty fragments, each spreading the next twice: 2³⁰ field visits from ~1 KB.
    fn doubling_fragments(n: usize) -> String {
        let mut query = String::from("query { ...F0 }\n");
        for i in 0..n {
            query.push_str(&format!(
                "fragment F{i} on Query {{ ...F{next} ...F{next} }}\n",
                next = i + 1
            ));
        }
        query.push_str(&format!("fragment F{n} on Query {{ me {{ username }} }}\n"));
        query
    }

    #[test]
    fn fields_are_counted_with_fragments_expanded_once_each() {
        let d = demand("{ me { username region { code } } }").unwrap();
        assert_eq!((d.selections, d.depth, d.aliases), (4, 3, 0));
        // The operation's 1 + 2×2 expanded, plus the fragment's own 2.
        let d = demand("{ me { ...U a: username } } fragment U on User { username id }").unwrap();
        assert_eq!((d.selections, d.depth, d.aliases), (1 + 2 + 1 + 2, 2, 1));
    }

    #[test]
    fn doubling_fragments_are_measured_without_expanding_them() {
        let started = std::time::Instant::now();
        let d = demand(&doubling_fragments(30)).unwrap();
        assert!(d.selections > 1 << 30, "{d:?}");
        // Saturating, never overflowing, however long the chain.
        let d = demand(&doubling_fragments(60)).unwrap();
        assert!(d.selections >= 1 << 60, "{d:?}");
        assert!(started.elapsed() < std::time::Duration::from_millis(50));
    }

    #[test]
    fn cycles_and_overlong_chains_are_refused() {
        assert_eq!(
            demand("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"),
            Err(Unmeasurable::Cycle { fragment: "A".into() })
        );
        assert_eq!(
            demand("{ me { ...A } } fragment A on User { ...A }"),
            Err(Unmeasurable::Cycle { fragment: "A".into() })
        );
        let mut chain = String::from("{ ...F0 }\n");
        for i in 0..200 {
            chain.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1));
        }
        chain.push_str("fragment F200 on Query { me { id } }");
        assert_eq!(demand(&chain), Err(Unmeasurable::TooDeep));
    }

    #[test]
    fn names_are_counted_outside_strings_and_comments() {
        assert_eq!(count_names("{ me { username } }"), 2);
        assert_eq!(
            count_names("query Q($n: Int = 10) { a: regions(first: $n) { totalCount } } # x y z"),
            9
        );
        assert_eq!(count_names(r#"{ f(s: "a b \" c", t: """x \""" y""") }"#), 3);
        assert_eq!(count_names("{ f(x: 1e5, y: 0.5) }"), 3);
        // Never fewer than the fields the parser finds.
        let query = "{ me { ...U } } fragment U on User { region { code } } # me me";
        let document = parse_query(query).unwrap();
        assert!(count_names(query) as u64 >= measure(&document).unwrap().selections);
    }

    #[test]
    fn introspection_nesting_does_not_count_towards_depth() {
        let d = demand(
            "{ __schema { types { fields { type { ...T } } } } } \
             fragment T on __Type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } }",
        )
        .unwrap();
        assert_eq!(d.depth, 1);
        assert!(d.selections > 12 && d.introspects, "{d:?}");
        // The same fragment outside introspection counts its nesting.
        let d = demand("{ me { ...R } } fragment R on User { region { parent { parent { code } } } }").unwrap();
        assert_eq!(d.depth, 5);
        assert!(!d.introspects);
        assert!(!demand("{ __typename me { __typename } }").unwrap().introspects);
    }
}
