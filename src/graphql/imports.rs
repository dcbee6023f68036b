//! 导入 — `importRun`: a spreadsheet import's result, row by row. Files are sent to
//! `POST /imports/{kind}` (or `tracker import`); this reads what became of them.
use super::context::ContextExt;
use super::errors::{OrApiError, from_service, internal};
use super::node::{decode_numeric, global_id};
use super::scalars::DateTime;
use crate::domain::import::{Kind, Mode, RowStatus};
use crate::service::imports::{self as svc, CellError, RowReport};
use async_graphql::{Context, ID, Object, SimpleObject};
use entity::import_run;

pub struct ImportRun(pub import_run::Model);

/// One import of a spreadsheet: who sent which file, how it ran, and each row's outcome.
#[Object]
impl ImportRun {
    /// The run's opaque global ID.
    pub async fn id(&self) -> ID {
        global_id("ImportRun", self.0.id)
    }
    /// The run's number (the report is `/imports/{number}/report.xlsx`).
    async fn number(&self) -> i64 {
        self.0.id
    }
    /// What the file held.
    async fn kind(&self) -> async_graphql::Result<Kind> {
        Kind::parse(&self.0.kind).ok_or_else(|| internal("unknown import kind"))
    }
    /// The file's name as sent.
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// The file's SHA-256, hex.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    /// How it ran.
    async fn mode(&self) -> async_graphql::Result<Mode> {
        Mode::parse(&self.0.mode).ok_or_else(|| internal("unknown import mode"))
    }
    /// Whether its rows were written.
    async fn committed(&self) -> bool {
        self.0.committed
    }
    /// Rows read (blank rows and the heading left out).
    async fn rows_total(&self) -> i32 {
        self.0.rows_total
    }
    /// Rows written (0 unless committed).
    async fn rows_written(&self) -> i32 {
        self.0.rows_written
    }
    /// Rows already in the tracker as the file says.
    async fn rows_unchanged(&self) -> i32 {
        self.0.rows_unchanged
    }
    /// Rows whose key is in the tracker with other values (not overwritten).
    async fn rows_conflicting(&self) -> i32 {
        self.0.rows_conflicting
    }
    /// Rows refused.
    async fn rows_refused(&self) -> i32 {
        self.0.rows_refused
    }
    /// Why the file could not be read at all (no heading row, not a workbook…).
    async fn problem(&self) -> Option<&str> {
        self.0.problem.as_deref()
    }
    /// Who sent it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// When.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// Each row's outcome, in the file's order; only those of `status` when given.
    async fn rows(
        &self,
        #[graphql(desc = "Only rows with this outcome.")] status: Option<RowStatus>,
    ) -> async_graphql::Result<Vec<ImportRow>> {
        let body = svc::report_of(&self.0).map_err(from_service)?;
        Ok(body
            .rows
            .into_iter()
            .filter(|r| status.is_none_or(|s| r.status == s))
            .map(ImportRow::of)
            .collect())
    }
}

/// One row of an imported file and what became of it.
#[derive(SimpleObject)]
pub struct ImportRow {
    /// Its line in the file (1-based, as the spreadsheet numbers it).
    pub line: i32,
    /// What became of it.
    pub status: RowStatus,
    /// Why it was refused or in conflict: each error on its column.
    pub errors: Vec<ImportError>,
    /// Its cells as read.
    pub cells: Vec<String>,
}

impl ImportRow {
    fn of(row: RowReport) -> ImportRow {
        ImportRow {
            line: i32::try_from(row.line).unwrap_or(i32::MAX),
            status: row.status,
            errors: row.errors.into_iter().map(ImportError::of).collect(),
            cells: row.cells,
        }
    }
}

/// One error of a row.
#[derive(SimpleObject)]
pub struct ImportError {
    /// The column's English name (`amount`), null when the row as a whole is at fault.
    pub column: Option<String>,
    /// The column's heading in the file (到位金额（万元）).
    pub heading: Option<String>,
    /// What is wrong, in the user's terms.
    pub message: String,
}

impl ImportError {
    fn of(e: CellError) -> ImportError {
        ImportError {
            column: e.column,
            heading: e.heading,
            message: e.message,
        }
    }
}

#[derive(Default)]
pub struct ImportQuery;

#[Object]
impl ImportQuery {
    /// 导入 — an import's result (yours, or one made in your area).
    async fn import_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run's ID.")] id: ID,
    ) -> async_graphql::Result<Option<ImportRun>> {
        let id = decode_numeric(&id, "ImportRun", "id").map_err(|f| from_service(f.into()))?;
        Ok(svc::find(ctx.db()?, ctx.actor()?, id).await.api()?.map(ImportRun))
    }
}
