//! The region tree: `regions`, `region(code:)`, and the admin mutations that build it.
use super::context::ContextExt;
use super::errors::{OrApiError, UserError, bad_input, internal, payload};
use super::node::global_id;
use super::object::{Plain, in_place, resolve_object};
use super::pagination::{ConnectionOf, connection, cost, page_request};
use super::scalars::DateTime;
use crate::domain::region::{RegionCode, RegionLevel};
use crate::service::regions::{self as svc, RegionChanges, RegionFilter as SvcFilter, RegionInput};
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{
    Context, ContextSelectionSet, ID, InputObject, Name, Object, OutputType, Positioned, SelectionField, ServerResult,
    SimpleObject, Value,
};
use entity::region;
use std::borrow::Cow;
use std::sync::Arc;

pub struct Region(pub Arc<region::Model>);

impl From<region::Model> for Region {
    fn from(model: region::Model) -> Self {
        Region(Arc::new(model))
    }
}

/// 行政区划 — a province, city, county, township or village. You see your area's
/// regions and the regions above it.
#[Object]
impl Region {
    /// The region's opaque global ID.
    pub async fn id(&self) -> ID {
        global_id("Region", &self.0.code)
    }
    /// The 12-digit statistical division code (统计用区划代码).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The region's name, e.g. 城关镇.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// 区划级别 — province, city, county, township or village, as the code says.
    async fn level(&self) -> async_graphql::Result<RegionLevel> {
        self.0.level.parse().map_err(internal)
    }
    /// 建档立卡贫困村 — whether the village is a registered poverty village.
    async fn is_poverty_village(&self) -> bool {
        self.0.is_poverty_village
    }
    /// Registered poor households (建档立卡贫困户) in this region itself.
    async fn poor_households(&self) -> i32 {
        self.0.poor_households
    }
    /// Registered poor people (建档立卡贫困人口) in this region itself.
    async fn poor_people(&self) -> i32 {
        self.0.poor_people
    }
    /// The region one level up; null for a province.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Region>> {
        match &self.0.parent_code {
            None => Ok(None),
            Some(code) => Ok(ctx.loaders()?.regions.load_one(code).await?.map(Region)),
        }
    }
    /// The regions one level down that you can see, in code order.
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
    ) -> async_graphql::Result<ConnectionOf<Region>> {
        let filter = SvcFilter {
            parent_code: Some(self.0.code.clone()),
            ..Default::default()
        };
        list(ctx, filter, first, after).await
    }
    /// When the region was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When the region last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// A region named by its code, as a rollup row names its county: `code`, `id` and
/// `__typename` are answered from the code, and the region is loaded (through the
/// request's loaders) only when another field is asked. A province by county names a
/// hundred counties, most often for their codes alone; loading them was a tenth of the
/// rollup's work. The schema is `Region`'s.
pub struct RegionByCode(pub String);

impl RegionByCode {
    /// A field of the region with this code that the code alone answers (`code`, `id`,
    /// `__typename`), as `Region`'s own resolvers write them; `None` for any other.
    pub fn answer(code: &str, field: &str) -> Option<Value> {
        match field {
            "code" => Some(Value::String(code.to_string())),
            "id" => Some(Value::String(global_id("Region", code).to_string())),
            "__typename" => Some(Value::String(Region::type_name().into_owned())),
            _ => None,
        }
    }

    /// The response keys and names of the fields `selection` asks of a region, if the code
    /// answers them all: plain fields (no fragment, no directive), each key once.
    pub fn fields_answered(selection: &SelectionSet) -> Option<Vec<(Name, String)>> {
        let mut fields: Vec<(Name, String)> = Vec::with_capacity(selection.items.len());
        for item in &selection.items {
            let Selection::Field(field) = &item.node else {
                return None;
            };
            let (key, name) = (field.node.response_key().node.clone(), field.node.name.node.to_string());
            if !field.node.directives.is_empty()
                || Self::answer("", &name).is_none()
                || fields.iter().any(|(k, _)| *k == key)
            {
                return None;
            }
            fields.push((key, name));
        }
        Some(fields)
    }

    /// The answer to `fields` (from `fields_answered`) of the region with this code.
    pub fn answer_fields(code: &str, fields: &[(Name, String)]) -> Value {
        Value::Object(
            fields
                .iter()
                .map(|(key, name)| (key.clone(), Self::answer(code, name).unwrap_or_default()))
                .collect(),
        )
    }

    /// Whether `selection` (a `Region`'s fields) asks only for what the code answers.
    pub fn code_is_enough<'a>(mut selection: impl Iterator<Item = SelectionField<'a>>) -> bool {
        selection.all(|field| Self::answer("", field.name()).is_some())
    }
}

impl OutputType for RegionByCode {
    fn type_name() -> Cow<'static, str> {
        Region::type_name()
    }

    fn qualified_type_name() -> String {
        Region::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        Region::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        // Anything but plain fields the code answers (a fragment, a directive, another
        // field) is left to `Region` itself.
        match Self::fields_answered(&ctx.item.node).filter(|_| in_place(ctx)) {
            Some(fields) => Ok(Self::answer_fields(&self.0, &fields)),
            None => self.load(ctx, field).await,
        }
    }
}

impl RegionByCode {
    /// The region itself, resolved as a `Region` (null if no region has the code).
    async fn load(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        let loaders = ctx
            .data_opt::<super::loaders::Loaders>()
            .ok_or_else(|| internal("request has no loaders").into_server_error(field.pos))?;
        let loaded = loaders
            .regions
            .load_one(&self.0)
            .await
            .map_err(|error| error.into_server_error(field.pos))?;
        match loaded {
            Some(region) => resolve_object(ctx, &Region(region)).await,
            None => Ok(Value::Null),
        }
    }
}

/// Which regions to list.
#[derive(InputObject, Default)]
pub struct RegionFilter {
    /// Only the children of this region.
    pub parent_code: Option<String>,
    /// Only regions of this level.
    pub level: Option<RegionLevel>,
    /// Only poverty villages (true), or only regions that are not (false).
    pub is_poverty_village: Option<bool>,
    /// Only regions whose name contains this text.
    pub name_contains: Option<String>,
}

async fn list(
    ctx: &Context<'_>,
    filter: SvcFilter,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<ConnectionOf<Region>> {
    let page = page_request::<String>(first, after.clone())?;
    let rows = svc::list(ctx.db()?, ctx.actor()?, &filter, &page).await.api()?;
    Ok(connection(rows, after.is_some(), |r| r.code.clone(), Region::from))
}

#[derive(Default)]
pub struct RegionQuery;

#[Object]
impl RegionQuery {
    /// The regions you can see (your area and the regions above it), in code order.
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn regions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
        #[graphql(desc = "Which regions; all you can see when left out.")] filter: Option<RegionFilter>,
    ) -> async_graphql::Result<ConnectionOf<Region>> {
        let f = filter.unwrap_or_default();
        let filter = SvcFilter {
            parent_code: f.parent_code,
            level: f.level,
            is_poverty_village: f.is_poverty_village,
            name_contains: f.name_contains,
        };
        list(ctx, filter, first, after).await
    }

    /// One region by its division code. An unknown code, or one outside your area, is a
    /// `NOT_FOUND` error.
    async fn region(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region's 12-digit division code.")] code: String,
    ) -> async_graphql::Result<Region> {
        let actor = ctx.actor()?;
        let parsed = RegionCode::parse(&code).map_err(bad_input)?;
        svc::get(ctx.db()?, actor, "code", &parsed)
            .await
            .api()
            .map(Region::from)
    }
}

/// A new region, under a parent that already exists.
#[derive(InputObject)]
pub struct RegionCreateInput {
    /// The 12-digit division code; the level and parent follow from it.
    pub code: String,
    /// The region's name; required, at most 100 characters.
    pub name: String,
    /// 建档立卡贫困村 — whether it is a registered poverty village (a village only).
    #[graphql(default)]
    pub is_poverty_village: bool,
    /// Registered poor households (建档立卡贫困户) in the region itself.
    #[graphql(default)]
    pub poor_households: i32,
    /// Registered poor people (建档立卡贫困人口) in the region itself; at least as many as
    /// the households.
    #[graphql(default)]
    pub poor_people: i32,
}

/// Changes to a region: a field left out keeps its value.
#[derive(InputObject)]
pub struct RegionUpdateInput {
    /// The code of the region to change (codes never change).
    pub code: String,
    /// The new name, at most 100 characters.
    pub name: Option<String>,
    /// 建档立卡贫困村 — whether it is a registered poverty village (a village only).
    pub is_poverty_village: Option<bool>,
    /// Registered poor households (建档立卡贫困户) in the region itself.
    pub poor_households: Option<i32>,
    /// Registered poor people (建档立卡贫困人口) in the region itself; at least as many as
    /// the households.
    pub poor_people: Option<i32>,
}

/// A region tree to import.
#[derive(InputObject)]
pub struct RegionImportInput {
    /// CSV text with a header row: `code,name[,is_poverty_village,poor_households,poor_people]`.
    /// The columns may come in any order; an optional column left out or empty means false
    /// or 0, for regions that exist too.
    pub csv: String,
}

/// What a region mutation did: the region as it now is, or why nothing changed.
#[derive(SimpleObject)]
pub struct RegionPayload {
    /// The region after the change; null when it was refused.
    pub region: Option<Region>,
    /// Why it was refused; empty when the change was made.
    pub user_errors: Vec<UserError>,
}

/// What `regionImport` did: how many regions it created, changed and left as they were,
/// or why it changed nothing.
#[derive(SimpleObject)]
pub struct RegionImportPayload {
    /// Regions created; null when the import was refused.
    pub created: Option<i32>,
    /// Regions whose values changed; null when the import was refused.
    pub updated: Option<i32>,
    /// Regions the file gave the values they already had; null when the import was refused.
    pub unchanged: Option<i32>,
    /// Why the import was refused (a bad row's message names its line); empty when it was
    /// made.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct RegionMutation;

#[Object]
impl RegionMutation {
    /// Creates a region under its existing parent (ADMIN).
    async fn region_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new region's code, name and registered poor figures.")] input: RegionCreateInput,
    ) -> async_graphql::Result<RegionPayload> {
        let actor = ctx.actor()?;
        let input = RegionInput {
            code: input.code,
            name: input.name,
            is_poverty_village: input.is_poverty_village,
            poor_households: input.poor_households,
            poor_people: input.poor_people,
        };
        let (region, user_errors) = payload(svc::create(ctx.db()?, actor, input).await)?;
        Ok(RegionPayload {
            region: region.map(Region::from),
            user_errors,
        })
    }

    /// Changes a region's name, poverty flag or registered poor counts (ADMIN).
    async fn region_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region's code and the values to change.")] input: RegionUpdateInput,
    ) -> async_graphql::Result<RegionPayload> {
        let actor = ctx.actor()?;
        let changes = RegionChanges {
            name: input.name,
            is_poverty_village: input.is_poverty_village,
            poor_households: input.poor_households,
            poor_people: input.poor_people,
        };
        let (region, user_errors) = payload(svc::update(ctx.db()?, actor, &input.code, changes).await)?;
        Ok(RegionPayload {
            region: region.map(Region::from),
            user_errors,
        })
    }

    /// Imports a region tree from CSV in one transaction (ADMIN): new codes are created,
    /// known ones updated; one bad row refuses the whole file.
    async fn region_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The CSV text.")] input: RegionImportInput,
    ) -> async_graphql::Result<RegionImportPayload> {
        let actor = ctx.actor()?;
        let (summary, user_errors) = payload(svc::import_csv(ctx.db()?, actor, &input.csv, &|_, _| {}).await)?;
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        Ok(RegionImportPayload {
            created: summary.map(|s| count(s.created)),
            updated: summary.map(|s| count(s.updated)),
            unchanged: summary.map(|s| count(s.unchanged)),
            user_errors,
        })
    }
}

/// The region with `code`, for a reference from an object already in the caller's scope (a
/// problem's township, a list's village); `None` when there is no reference.
pub async fn region_of(ctx: &Context<'_>, code: Option<&str>) -> async_graphql::Result<Option<Plain<Region>>> {
    match code {
        None => Ok(None),
        Some(code) => Ok(ctx.loaders()?.regions.load_one(code).await?.map(|r| Plain(Region(r)))),
    }
}
