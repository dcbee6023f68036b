//! The GraphQL schema, assembled from one module per area. Resolvers stay thin: they
//! check who is asking, call a service, and shape the answer.
pub mod audit;
pub mod context;
pub mod departments;
pub mod errors;
pub mod funds;
pub mod list;
pub mod loaders;
pub mod node;
pub mod object;
pub mod pagination;
pub mod plans;
pub mod progress;
pub mod projects;
pub mod regions;
pub mod scalars;
pub mod users;
pub mod utilization;

use async_graphql::{EmptySubscription, MergedObject, Schema};

/// What can be read: who you are, the region tree, departments and accounts, projects, the
/// fund ledger and the annual plan, the rollups and the work report, and the audit trail.
/// Every field needs the bearer token `login` gives (`UNAUTHENTICATED` otherwise) and
/// answers with what your role and area let you see.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    users::UserQuery,
    regions::RegionQuery,
    departments::DepartmentQuery,
    projects::ProjectQuery,
    audit::AuditQuery,
    funds::FundQuery,
    plans::PlanQuery,
    utilization::UtilizationQuery,
    progress::ProgressQuery,
);

/// What can be changed, one mutation per business action. Each takes one `input` and
/// returns a payload with the object changed and `userErrors`; when there are any, nothing
/// changed. Every mutation but `login` needs the bearer token `login` gives.
#[derive(MergedObject, Default)]
pub struct Mutation(
    users::UserMutation,
    regions::RegionMutation,
    departments::DepartmentMutation,
    projects::ProjectMutation,
    funds::FundMutation,
    plans::PlanMutation,
    progress::ProgressMutation,
);

pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

/// Demand limits applied before a query runs.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// How deeply fields may nest.
    pub depth: usize,
    /// The most a query may cost: each field 1, a connection its page size times its nodes.
    pub complexity: usize,
    /// The most aliased fields a request may hold: aliases multiply work past the other
    /// limits (and are how sign-in guesses would be batched).
    pub aliases: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            depth: 12,
            complexity: 20_000,
            aliases: 100,
        }
    }
}

/// The schema with its limits; `data` is `None` only when printing the SDL.
pub fn build_schema(data: Option<context::AppData>, limits: Limits) -> AppSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(limits.depth)
        .limit_complexity(limits.complexity);
    if let Some(data) = data {
        builder = builder.data(data);
    }
    builder.finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None, Limits::default()).sdl()
}

/// Parses comma-separated enum values as the schema names them (`FUND_KIND,MONTH`), for
/// the places that take them outside GraphQL: export URLs and the command line.
pub fn parse_enum_names<T: async_graphql::resolver_utils::EnumType + Copy>(raw: &str) -> Result<Vec<T>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            T::items()
                .iter()
                .find(|i| i.name == name)
                .map(|i| i.value)
                .ok_or_else(|| {
                    let known: Vec<&str> = T::items().iter().map(|i| i.name).collect();
                    format!("`{name}` is not one of {}", known.join(", "))
                })
        })
        .collect()
}
