//! `projects` and `project(code:)`: the scoped, filtered, sorted list and the lookups, and
//! the loading of a page's references at once.
use super::Project;
use crate::db::rows::distinct;
use crate::domain::lifecycle::ProjectStatus;
use crate::domain::sector::Sector;
use crate::graphql::context::ContextExt;
use crate::graphql::errors::OrApiError;
use crate::graphql::node::decode_numeric;
use crate::graphql::pagination::{ConnectionOf, connection, cost, page_request};
use crate::service::projects::{
    self as svc, ProjectFilter as SvcFilter, ProjectOrder as SvcOrder, ProjectOrderField as SvcField,
};
use async_graphql::{Context, Enum, ID, InputObject, Lookahead, Object};
use entity::project;
use std::collections::HashSet;

/// Which projects to list, of those you can see; every condition given must hold.
#[derive(InputObject, Default)]
pub struct ProjectFilter {
    /// Only projects of this programme year.
    pub year: Option<i32>,
    /// Only projects of this sector.
    pub sector: Option<Sector>,
    /// Any of these statuses.
    pub statuses: Option<Vec<ProjectStatus>>,
    /// Only projects of this township (its 12-digit code).
    pub township_code: Option<String>,
    /// Only projects in this region's subtree (a county, a township…).
    pub region_code: Option<String>,
    /// Only projects that serve this village (its 12-digit code).
    pub village_code: Option<String>,
    /// Only projects assigned to this department (its global ID).
    pub department: Option<ID>,
    /// Only projects that serve (true) or do not serve (false) a poverty village.
    pub poverty_village: Option<bool>,
    /// Text in the name or the code.
    pub text: Option<String>,
}

/// What a list of projects is sorted by; projects that tie keep the order they were
/// created in (reversed when descending).
#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum ProjectOrderField {
    /// 项目编号 — by code, as text.
    #[default]
    Code,
    /// 项目名称 — by name, as text.
    Name,
    /// 年度 — by programme year.
    Year,
    /// 项目状态 — in lifecycle order: DRAFT, SUBMITTED, REJECTED, APPROVED … ACCEPTED, CANCELLED.
    Status,
    /// 计划开工日期 — by planned start; projects without one sort together at one end.
    PlannedStart,
    /// By when the project last changed.
    UpdatedAt,
}

/// Which way a list is sorted.
#[derive(Enum, Copy, Clone, PartialEq, Eq, Default)]
pub enum OrderDirection {
    /// 升序 — smallest, earliest or A first.
    #[default]
    Asc,
    /// 降序 — largest, latest or Z first.
    Desc,
}

/// How to sort a list of projects.
#[derive(InputObject, Default)]
pub struct ProjectOrder {
    /// What to sort by.
    pub field: ProjectOrderField,
    /// Which way; ascending when left out.
    #[graphql(default)]
    pub direction: OrderDirection,
}

#[derive(Default)]
pub struct ProjectQuery;

#[Object]
impl ProjectQuery {
    /// The projects you can see: a township its own, a department those assigned to it,
    /// everyone else those in their area.
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
        #[graphql(desc = "Which projects; all you can see when left out.")] filter: Option<ProjectFilter>,
        #[graphql(desc = "How to sort them; by code, ascending, when left out.")] order_by: Option<ProjectOrder>,
    ) -> async_graphql::Result<ConnectionOf<Project>> {
        let actor = ctx.actor()?;
        let mut page = page_request::<u64>(first, after.clone())?;
        page.count_total = ctx.look_ahead().field("totalCount").exists();
        let f = filter.unwrap_or_default();
        let department_id = match &f.department {
            Some(id) => Some(
                decode_numeric(id, "Department", "department")
                    .map_err(|f| crate::graphql::errors::bad_input(f.message))?,
            ),
            None => None,
        };
        let filter = SvcFilter {
            year: f.year,
            sector: f.sector,
            statuses: f.statuses.unwrap_or_default(),
            township_code: f.township_code,
            region_code: f.region_code,
            village_code: f.village_code,
            department_id,
            poverty_village: f.poverty_village,
            text: f.text,
        };
        let o = order_by.unwrap_or_default();
        let order = SvcOrder {
            field: match o.field {
                ProjectOrderField::Code => SvcField::Code,
                ProjectOrderField::Name => SvcField::Name,
                ProjectOrderField::Year => SvcField::Year,
                ProjectOrderField::Status => SvcField::Status,
                ProjectOrderField::PlannedStart => SvcField::PlannedStart,
                ProjectOrderField::UpdatedAt => SvcField::UpdatedAt,
            },
            descending: o.direction == OrderDirection::Desc,
        };
        let start = page.after.unwrap_or(0);
        let rows = svc::list(ctx.db()?, actor, &filter, order, &page).await.api()?;
        let look = ctx.look_ahead();
        prime(
            ctx,
            &rows.items,
            &[look.field("nodes"), look.field("edges").field("node")],
        )
        .await?;
        // Cursors are positions in the ordered list.
        let mut position = start;
        Ok(connection(
            rows,
            after.is_some(),
            |_| {
                position += 1;
                position.to_string()
            },
            Project,
        ))
    }

    /// One project by its county-unique code; `countyCode` is needed only when you can
    /// see several counties with the same code. Null when there is none you can see.
    async fn project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's code, e.g. `2025-ROAD-0042`.")] code: String,
        #[graphql(desc = "The 12-digit code of the project's county.")] county_code: Option<String>,
    ) -> async_graphql::Result<Option<Project>> {
        let actor = ctx.actor()?;
        let found = svc::find_by_code(ctx.db()?, actor, &code, county_code.as_deref())
            .await
            .api()?;
        if let Some(row) = &found {
            prime(ctx, std::slice::from_ref(row), &[ctx.look_ahead()]).await?;
        }
        Ok(found.map(Project))
    }
}

/// Loads at once, for a page of projects (or one), the references the fields selected on
/// them (`selections`) will ask for: one query per kind of reference, whatever the page
/// size, issued here rather than after the batching window of each nested field.
async fn prime(ctx: &Context<'_>, rows: &[project::Model], selections: &[Lookahead<'_>]) -> async_graphql::Result<()> {
    let wants = |field: &str| selections.iter().any(|n| n.field(field).exists());
    let loaders = ctx.loaders()?;
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    // Each region once (a page's projects share a handful of townships), cloned once.
    let mut regions: HashSet<String> = HashSet::new();
    let mut add_region = |code: &String| {
        if !regions.contains(code) {
            regions.insert(code.clone());
        }
    };
    let mut departments: Vec<i64> = Vec::new();
    if wants("villages") {
        loaders.project_villages.prime(&ids).await?;
        loaders
            .project_villages
            .with_primed(|villages| villages.values().flatten().for_each(&mut add_region));
        // A village's parent is the project's township.
        rows.iter().for_each(|p| add_region(&p.township_code));
    }
    if wants("township") {
        rows.iter().for_each(|p| add_region(&p.township_code));
    }
    if wants("county") || wants("department") {
        rows.iter().for_each(|p| add_region(&p.county_code));
    }
    if wants("department") {
        departments.extend(rows.iter().filter_map(|p| p.department_id));
    }
    if wants("events") {
        loaders.project_events.prime(&ids).await?;
        loaders
            .project_events
            .with_primed(|events| departments.extend(events.values().flatten().filter_map(|e| e.department_id)));
    }
    let regions: Vec<String> = regions.into_iter().collect();
    loaders.regions.prime(&regions).await?;
    if wants("progressReports") {
        loaders.project_progress.prime(&ids).await?;
    }
    if wants("latestProgress") {
        loaders.project_latest_progress.prime(&ids).await?;
    }
    if selections
        .iter()
        .any(|n| n.field("fundSummary").field("byKind").exists())
    {
        loaders.project_amounts_by_kind.prime(&ids).await?;
    }
    let mut lines: Vec<i64> = Vec::new();
    if wants("allocations") {
        loaders.project_allocations.prime(&ids).await?;
        loaders
            .project_allocations
            .with_primed(|entries| lines.extend(entries.values().flatten().map(|e| e.fund_line_id)));
    }
    if wants("disbursements") {
        loaders.project_disbursements.prime(&ids).await?;
        loaders
            .project_disbursements
            .with_primed(|entries| lines.extend(entries.values().flatten().map(|e| e.fund_line_id)));
    }
    // An entry's fund line is read only when the entry's `fundLine` is selected.
    if selections.iter().any(|n| {
        n.field("allocations").field("fundLine").exists() || n.field("disbursements").field("fundLine").exists()
    }) {
        loaders.fund_lines.prime(&distinct(lines)).await?;
    }
    loaders.departments.prime(&distinct(departments)).await?;
    Ok(())
}
