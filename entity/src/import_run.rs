//! 导入记录 — one import of a spreadsheet and its row-by-row report.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "import_run")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// DRY_RUN, ALL (all rows or none) or PARTIAL.
    pub mode: String,
    /// Whether its rows were written.
    pub committed: bool,
    pub rows_total: i32,
    pub rows_written: i32,
    pub rows_unchanged: i32,
    pub rows_conflicting: i32,
    pub rows_refused: i32,
    /// Why the file could not be read at all (no heading row, not a workbook…).
    pub problem: Option<String>,
    /// The rows' outcomes and cells, JSON.
    pub report: String,
    pub created_by: String,
    /// The importer's region (for who may read the run).
    pub region_code: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
