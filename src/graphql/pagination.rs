//! Relay connections: `first` between 1 and 100, opaque `after` cursors over a unique
//! sort key, and `totalCount`.
use super::errors::bad_input;
use super::list::resolve_grouped;
use crate::service::{Page, PageRequest};
use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields};
use async_graphql::parser::types::Field;
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::resolver_utils::resolve_container;
use async_graphql::{
    ContainerType, Context, ContextSelectionSet, OutputType, Positioned, ServerResult, SimpleObject, Value,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::borrow::Cow;

pub const DEFAULT_PAGE_SIZE: i32 = 20;
pub const MAX_PAGE_SIZE: i32 = 100;

/// The extra field every connection carries.
#[derive(SimpleObject)]
pub struct Totals {
    /// How many objects the whole list has, across all pages.
    pub total_count: i32,
}

type Relay<T> = Connection<Cursor, T, Totals, EmptyFields>;

/// An edge's cursor: its row's sort key, encoded only if the cursor is asked for (a page of
/// nodes alone does not pay for 100 encodings).
pub struct Cursor(String);

impl CursorType for Cursor {
    type Error = String;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        decode_cursor(s)
            .map(Cursor)
            .ok_or_else(|| format!("`{s}` is not a cursor"))
    }

    fn encode_cursor(&self) -> String {
        encode_cursor(&self.0)
    }
}

/// A Relay connection: async-graphql's, with the same schema, except that its `nodes` and
/// `edges` are resolved in groups like `List` — through `Vec`, a page of 100 went through a
/// `FuturesUnordered`, a task, a waker and an atomic per node (7 % of a page's CPU).
pub struct ConnectionOf<T: OutputType>(Relay<T>);

impl<T: ContainerType> OutputType for ConnectionOf<T> {
    fn type_name() -> Cow<'static, str> {
        Relay::<T>::type_name()
    }

    fn qualified_type_name() -> String {
        Relay::<T>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        let name = Relay::<T>::create_type_info(registry);
        describe_connection(registry, &Relay::<T>::type_name(), &T::type_name());
        name
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

/// What the items of a list are called, one and many, for the descriptions of its
/// connection and edge types.
fn item_names(node_type: &str) -> (String, String) {
    let (one, many) = match node_type {
        "Project" => ("project (扶贫项目)", "projects (扶贫项目)"),
        "Region" => ("region (行政区划)", "regions (行政区划)"),
        "Department" => ("department (部门)", "departments (部门)"),
        "User" => ("user account (用户)", "user accounts (用户)"),
        "FundLine" => ("fund line (资金项)", "fund lines (资金项)"),
        "LedgerEntry" => ("ledger entry (台账分录)", "ledger entries (台账分录)"),
        "AuditEntry" => ("audit trail entry (痕迹档案)", "audit trail entries (痕迹档案)"),
        other => return (format!("`{other}`"), format!("`{other}` objects")),
    };
    (one.to_string(), many.to_string())
}

/// Sets the descriptions of a connection type, its edge type and `PageInfo`, which
/// async-graphql registers with its own generic (and, for a list paged forwards only,
/// misleading) texts. Called after they are registered: when a connection is reached
/// again while it is being registered (a region's `children`), the outer call, which
/// finishes last, sets them on the finished type.
fn describe_connection(registry: &mut Registry, connection: &str, node_type: &str) {
    let (one, many) = item_names(node_type);
    let edge = match registry.types.get(connection) {
        Some(MetaType::Object { fields, .. }) => fields
            .get("edges")
            .map(|f| MetaTypeName::concrete_typename(&f.ty).to_string()),
        _ => None,
    };
    set_descriptions(
        registry,
        connection,
        format!(
            "A page of {many}: the page's items (`nodes`, or `edges` with their cursors), whether \
             more follow (`pageInfo`) and how many the whole list has (`totalCount`). Lists are paged \
             forwards: ask for the next page with `after: pageInfo.endCursor`."
        ),
        &[
            (
                "pageInfo",
                "Whether more items follow this page, and the cursors of its first and last items.",
            ),
            ("edges", "The page's items, each with its cursor, in the list's order."),
            (
                "nodes",
                "The page's items in the list's order: `edges { node }` without the cursors.",
            ),
        ],
    );
    if let Some(edge) = edge {
        set_descriptions(
            registry,
            &edge,
            format!("One {one} of a page, with its cursor."),
            &[
                ("node", format!("The {one}.").as_str()),
                (
                    "cursor",
                    "This item's place in the list: pass it as `after` (with the same filter and order) \
                     to get the items that follow it.",
                ),
            ],
        );
    }
    set_descriptions(
        registry,
        "PageInfo",
        "Where a page stands in its list. Lists are paged forwards only, with `first` and `after`.".into(),
        &[
            (
                "hasPreviousPage",
                "Whether the page was asked for with `after`, so that items come before it.",
            ),
            (
                "hasNextPage",
                "Whether more items follow this page: ask for them with `after: endCursor`.",
            ),
            (
                "startCursor",
                "The cursor of the page's first item; null for an empty page.",
            ),
            (
                "endCursor",
                "The cursor of the page's last item, to pass as `after` for the next page; null for an \
                 empty page.",
            ),
        ],
    );
}

/// Sets the description of the object type `name` and of the named fields.
fn set_descriptions(registry: &mut Registry, name: &str, description: String, fields: &[(&str, &str)]) {
    if let Some(MetaType::Object {
        description: type_description,
        fields: type_fields,
        ..
    }) = registry.types.get_mut(name)
    {
        *type_description = Some(description);
        for (field, text) in fields {
            if let Some(meta) = type_fields.get_mut(*field) {
                meta.description = Some((*text).to_string());
            }
        }
    }
}

impl<T: ContainerType> ContainerType for ConnectionOf<T> {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        let items = ctx.with_selection_set(&ctx.item.node.selection_set);
        match ctx.item.node.name.node.as_str() {
            "nodes" => {
                let nodes: Vec<&T> = self.0.edges.iter().map(|e| &e.node).collect();
                resolve_grouped(&nodes, &items).await.map(Some)
            }
            "edges" => resolve_grouped(&self.0.edges, &items).await.map(Some),
            _ => self.0.resolve_field(ctx).await,
        }
    }
}

/// The cost of a connection field for the complexity limit: its page size times the cost
/// of one node.
pub fn cost(first: Option<i32>, child_complexity: usize) -> usize {
    first.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE) as usize * child_complexity.max(1)
}

fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{key}"))
}

fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("cursor:")
        .map(str::to_string)
}

/// Validates `first` and decodes `after` into the sort key it stands for.
pub fn page_request<K: std::str::FromStr>(
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<PageRequest<K>> {
    let first = first.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&first) {
        return Err(bad_input(format!(
            "`first` must be between 1 and {MAX_PAGE_SIZE}, not {first}: ask for the next page with `after`"
        )));
    }
    let after = match after {
        None => None,
        Some(cursor) => Some(
            decode_cursor(&cursor)
                .and_then(|key| key.parse::<K>().ok())
                .ok_or_else(|| bad_input(format!("`after` is not a cursor from this list: `{cursor}`")))?,
        ),
    };
    Ok(PageRequest {
        first: first as u64,
        after,
        count_total: true,
    })
}

/// Builds a connection from a service page, `key` giving each row's cursor key.
pub fn connection<R, T>(
    page: Page<R>,
    had_cursor: bool,
    mut key: impl FnMut(&R) -> String,
    wrap: impl Fn(R) -> T,
) -> ConnectionOf<T>
where
    T: async_graphql::OutputType,
{
    let total_count = i32::try_from(page.total_count).unwrap_or(i32::MAX);
    let mut conn = Connection::with_additional_fields(had_cursor, page.has_next_page, Totals { total_count });
    conn.edges.extend(
        page.items
            .into_iter()
            .map(|row| Edge::new(Cursor(key(&row)), wrap(row))),
    );
    ConnectionOf(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_outside_1_to_100_is_refused() {
        assert!(page_request::<String>(Some(0), None).is_err());
        assert!(page_request::<String>(Some(101), None).is_err());
        assert!(page_request::<String>(Some(-5), None).is_err());
        assert_eq!(page_request::<String>(Some(100), None).unwrap().first, 100);
        assert_eq!(page_request::<String>(None, None).unwrap().first, 20);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = Cursor("990101001000".into()).encode_cursor();
        assert_eq!(Cursor::decode_cursor(&cursor).unwrap().0, "990101001000");
        assert!(Cursor::decode_cursor("garbage").is_err());
        assert_eq!(
            page_request::<String>(None, Some(cursor)).unwrap().after.as_deref(),
            Some("990101001000")
        );
        assert!(page_request::<String>(None, Some("not-a-cursor".into())).is_err());
        assert!(page_request::<i64>(None, Some(encode_cursor("abc"))).is_err());
    }
}
