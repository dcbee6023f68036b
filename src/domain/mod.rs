//! The rules, with no I/O: region codes and levels, sectors, roles and the permission
//! table, money, and the faults a rule can report.
//!
//! The enumerations here derive `async_graphql::Enum` so that each has exactly one
//! definition — the schema's names and Chinese descriptions come from these doc comments.
//! That is the only thing this module takes from the GraphQL library; it does no I/O.
/// Gives an enum its stored text form: `as_str` and `parse`, one name per variant.
macro_rules! text_enum {
    ($ty:ty { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

pub mod access;
pub mod alerts;
pub mod assessment;
pub mod audit;
pub mod calendar;
pub mod category;
pub mod changes;
pub mod department;
pub mod disclosure;
pub mod exit;
pub mod fault;
pub mod funds;
pub mod import;
pub mod lifecycle;
pub mod metrics;
pub mod money;
pub mod plan;
pub mod project;
pub mod quantity;
pub mod rectification;
pub mod region;
pub mod report;
pub mod retention;
pub mod sector;
pub mod task_list;
pub mod timeline;
