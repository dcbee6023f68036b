//! 公告公示 — one notice: what it discloses, where it is posted, its period and text.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "disclosure")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub county_code: String,
    pub subject: String,
    /// The project, for a project's notice.
    pub project_id: Option<i64>,
    /// The fund line, for a fund-allocation notice.
    pub fund_line_id: Option<i64>,
    /// The annual plan version, for a plan notice.
    pub plan_id: Option<i64>,
    /// The monthly task list, for a three-list notice.
    pub task_list_id: Option<i64>,
    pub level: String,
    /// The region it is posted in (county, township or village).
    pub region_code: String,
    /// Where exactly: 县政府门户网站, 城关镇政务公开栏, 项目现场公示牌…
    pub place: String,
    pub title: String,
    /// The text as posted (a draft's is regenerated from the live figures unless edited).
    pub body: String,
    /// Whether a person wrote the text (else it is regenerated until posting).
    pub body_edited: bool,
    /// The local supervision phone, besides 12317.
    pub hotline: Option<String>,
    /// 公示单位 — who issues it.
    pub issuer: String,
    /// The first day (planned while a draft; the day it went up once posted).
    pub start_on: Date,
    /// The last day.
    pub end_on: Date,
    /// DRAFT, POSTED or WITHDRAWN (ENDED is read off `end_on`).
    pub status: String,
    pub posted_on: Option<Date>,
    pub withdrawn_on: Option<Date>,
    pub withdrawn_reason: Option<String>,
    pub version: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
