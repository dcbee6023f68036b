//! `List<T>`: a list field whose items are resolved together without a task per item.
//!
//! async-graphql resolves the items of a `Vec<T>` with `try_join_all`, which for more than
//! 30 items switches to a `FuturesUnordered`: a reference-counted task, a waker and a queue
//! entry per item. A project's payments run to hundreds of rows of plain data, and that
//! machinery cost more than the rows. `List<T>` joins its items in groups of at most 30 and
//! then joins the groups, so every join stays on the task-free path; the items still run
//! concurrently (one waiting on a loader holds up none of the others), and the schema is
//! the same as for `Vec<T>`. Each item's fields are resolved in place (`object`).
use super::object::resolve_object;
use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{ContainerType, ContextSelectionSet, OutputType, Positioned, ServerResult, Value};
use futures_util::future::try_join_all;
use std::borrow::Cow;

/// The most futures `try_join_all` joins without a task each.
const GROUP: usize = 30;

pub struct List<T>(pub Vec<T>);

impl<T> FromIterator<T> for List<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        List(items.into_iter().collect())
    }
}

impl<T: ContainerType> OutputType for List<T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<T> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<T> as OutputType>::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        resolve_grouped(&self.0, ctx).await
    }
}

/// Resolves `items` as a list field, joined in groups (see the module's comment); a list
/// of one group (a project's villages) is joined directly.
pub async fn resolve_grouped<T: ContainerType>(items: &[T], ctx: &ContextSelectionSet<'_>) -> ServerResult<Value> {
    if items.len() <= GROUP {
        return Ok(Value::List(resolve_items(ctx, 0, items).await?));
    }
    let groups = items
        .chunks(GROUP)
        .enumerate()
        .map(|(n, items)| resolve_items(ctx, n * GROUP, items));
    let values = try_join_all(groups).await?;
    Ok(Value::List(values.into_iter().flatten().collect()))
}

/// Resolves `items`, the list's items from index `first` on, joined.
async fn resolve_items<T: ContainerType>(
    ctx: &ContextSelectionSet<'_>,
    first: usize,
    items: &[T],
) -> ServerResult<Vec<Value>> {
    try_join_all(items.iter().enumerate().map(|(i, item)| {
        let ctx_item = ctx.with_index(first + i);
        async move {
            resolve_object(&ctx_item, item)
                .await
                .map_err(|error| ctx_item.set_error_path(error))
        }
    }))
    .await
}
