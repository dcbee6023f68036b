//! 三单 — one unit's task list for one month.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "task_list")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub county_code: String,
    /// `YYYY-MM`.
    pub month: String,
    pub unit_kind: String,
    /// The unit as one text, unique per county and month: `LEADER:<name>`,
    /// `DEPARTMENT:<id>`, `TOWNSHIP:<code>`, `VILLAGE:<code>`.
    pub unit_key: String,
    pub unit_department_id: Option<i64>,
    /// The township's or village's code.
    pub unit_region_code: Option<String>,
    pub leader_name: Option<String>,
    pub status: String,
    /// 晒单 — the day it was published.
    pub published_on: Option<Date>,
    /// 清单 — the day it was cleared.
    pub cleared_on: Option<Date>,
    pub version: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
