//! The GraphQL schema, assembled from one module per area. Resolvers stay thin: they
//! check who is asking, call a service, and shape the answer.
pub mod alerts;
pub mod assessment;
pub mod audit;
pub mod context;
pub mod demand;
pub mod departments;
pub mod disclosure;
pub mod errors;
pub mod exit;
pub mod funds;
pub mod imports;
pub mod journal;
pub mod list;
pub mod loaders;
pub mod negative_list;
pub mod node;
pub mod object;
pub mod pagination;
pub mod plans;
pub mod progress;
pub mod projects;
pub mod rankings;
pub mod rectification;
pub mod regions;
pub mod retention;
pub mod scalars;
pub mod subscriptions;
pub mod task_lists;
pub mod users;
pub mod utilization;

use async_graphql::{MergedObject, Schema};
use subscriptions::SubscriptionRoot;

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
    journal::JournalQuery,
    negative_list::NegativeListQuery,
    plans::PlanQuery,
    utilization::UtilizationQuery,
    rankings::RankingQuery,
    retention::RetentionQuery,
    progress::ProgressQuery,
    SupervisionQuery,
);

/// Supervision's reads — the rectification ledger, the three lists, alerts, scoring, the
/// villages' exit register — and the notices and imports. Merged apart so that `Query`
/// does not nest too deep for the compiler.
#[derive(MergedObject, Default)]
pub struct SupervisionQuery(
    rectification::RectificationQuery,
    task_lists::TaskListQuery,
    alerts::AlertQuery,
    assessment::AssessmentQuery,
    exit::ExitQuery,
    disclosure::DisclosureQuery,
    imports::ImportQuery,
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
    negative_list::NegativeListMutation,
    retention::RetentionMutation,
    plans::PlanMutation,
    progress::ProgressMutation,
    SupervisionMutation,
);

/// Supervision's changes, merged apart like [`SupervisionQuery`].
#[derive(MergedObject, Default)]
pub struct SupervisionMutation(
    rectification::RectificationMutation,
    task_lists::TaskListMutation,
    assessment::AssessmentMutation,
    exit::ExitMutation,
    disclosure::DisclosureMutation,
);

pub type AppSchema = Schema<Query, Mutation, SubscriptionRoot>;

/// Demand limits applied before a query runs.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// How many field visits a request may ask for, fragments expanded (see `demand`).
    pub selections: usize,
    /// How deeply fields may nest (introspection's own nesting aside; see `demand`).
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
            selections: 3_000,
            depth: 12,
            complexity: 20_000,
            aliases: 100,
        }
    }
}

/// The schema with its cost limit; `data` is `None` only when printing the SDL. The other
/// limits are checked on the document before the schema sees it (`demand`), so that
/// nothing expands a document's fragments before they are known to be bounded.
///
/// It has no extensions, so fields may be resolved in place (`object::InPlace`). An
/// extension is added with [`build_schema_with_extension`], never on this builder: there
/// the shortcuts step aside and the extension sees every field (a test holds them to it).
pub fn build_schema(data: Option<context::AppData>, limits: Limits) -> AppSchema {
    builder(data, limits).data(object::InPlace).finish()
}

/// The schema with `extension`: every field goes through async-graphql's own executor,
/// which runs the extension's hooks.
pub fn build_schema_with_extension(
    data: Option<context::AppData>,
    limits: Limits,
    extension: impl async_graphql::extensions::ExtensionFactory,
) -> AppSchema {
    builder(data, limits).extension(extension).finish()
}

fn builder(
    data: Option<context::AppData>,
    limits: Limits,
) -> async_graphql::SchemaBuilder<Query, Mutation, SubscriptionRoot> {
    let builder =
        Schema::build(Query::default(), Mutation::default(), SubscriptionRoot).limit_complexity(limits.complexity);
    match data {
        Some(data) => builder.data(data),
        None => builder,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;

    /// The scalars and directives GraphQL itself defines and describes.
    const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];
    const BUILT_IN_DIRECTIVES: [&str; 5] = ["skip", "include", "deprecated", "specifiedBy", "oneOf"];

    /// Every item a client sees, no deeper than the schema's depth limit allows.
    const INTROSPECTION: &str = "{ __schema {
        types { name kind description
            fields(includeDeprecated: true) { name description args { name description } }
            inputFields { name description }
            enumValues(includeDeprecated: true) { name description } }
        directives { name description args { name description } } } }";

    fn described(item: &Json) -> bool {
        item["description"].as_str().is_some_and(|d| !d.trim().is_empty())
    }

    fn items<'a>(value: &'a Json, key: &str) -> impl Iterator<Item = &'a Json> {
        value[key].as_array().into_iter().flatten()
    }

    fn name(item: &Json) -> &str {
        item["name"].as_str().unwrap_or("?")
    }

    /// The items without a description: `Type`, `Type.field`, `Type.field(arg)`,
    /// `Type.VALUE`, `@directive`, `@directive(arg)`.
    fn undescribed(schema: &Json) -> Vec<String> {
        let mut missing = Vec::new();
        let mut check = |item: &Json, path: String| {
            if !described(item) {
                missing.push(path);
            }
        };
        for ty in items(schema, "types") {
            let type_name = name(ty);
            if type_name.starts_with("__") || BUILT_IN_SCALARS.contains(&type_name) {
                continue;
            }
            check(ty, type_name.to_string());
            for field in items(ty, "fields") {
                check(field, format!("{type_name}.{}", name(field)));
                for arg in items(field, "args") {
                    check(arg, format!("{type_name}.{}({})", name(field), name(arg)));
                }
            }
            for field in items(ty, "inputFields") {
                check(field, format!("{type_name}.{}", name(field)));
            }
            for value in items(ty, "enumValues") {
                check(value, format!("{type_name}.{}", name(value)));
            }
        }
        for directive in items(schema, "directives") {
            let directive_name = name(directive);
            if BUILT_IN_DIRECTIVES.contains(&directive_name) {
                continue;
            }
            check(directive, format!("@{directive_name}"));
            for arg in items(directive, "args") {
                check(arg, format!("@{directive_name}({})", name(arg)));
            }
        }
        missing
    }

    /// Frontend developers read the schema in their tools: every type, field, argument,
    /// input field and enum value says what it is.
    #[tokio::test]
    async fn every_schema_item_has_a_description() {
        let response = build_schema(None, Limits::default()).execute(INTROSPECTION).await;
        assert!(
            response.errors.is_empty(),
            "introspection failed: {:?}",
            response.errors
        );
        let data = response.data.into_json().expect("introspection answers JSON");
        let schema = &data["__schema"];
        assert!(
            items(schema, "types").count() > 50,
            "introspection listed too few types: {schema}"
        );
        let missing = undescribed(schema);
        assert!(
            missing.is_empty(),
            "{} schema items have no description (add a `///` comment, for an `#[Object]` on its `impl`; on an \
             argument, `#[graphql(desc = \"…\")]`):\n  {}",
            missing.len(),
            missing.join("\n  ")
        );
    }
}
