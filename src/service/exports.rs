//! Spreadsheets the finance bureau opens in Excel: the project ledger (台账), fund
//! utilization and construction progress, as XLSX or as CSV (UTF-8 with a byte-order mark,
//! so Excel shows the Chinese). They are built from the same services as the queries, so
//! they take the same filters and apply the same scope.
//!
//! Money and rates are written as exact text (`1234.56`): a number cell in XLSX is a binary
//! float, and the ledger's figures are exact to the fen. Counts and years are numbers.
use super::construction::{ProgressDimension, construction_progress};
use super::projects::{self, ProjectFilter, ProjectOrder};
use super::utilization::fund_utilization;
use super::{PageRequest, ServiceError, ServiceResult};
use crate::domain::metrics::{ConstructionFigure, Dimension, FigureValue, MoneyFigure};
use crate::domain::money::Money;
use crate::domain::quantity::Quantity;
use crate::domain::sector::Sector;
use chrono::NaiveDate;
use entity::{department, region};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// What to export.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// 项目台账
    Projects,
    /// 资金使用情况
    FundUtilization,
    /// 建设进度
    ConstructionProgress,
}

impl ExportKind {
    pub fn parse(name: &str) -> Option<ExportKind> {
        match name {
            "projects" => Some(ExportKind::Projects),
            "fund-utilization" => Some(ExportKind::FundUtilization),
            "construction-progress" => Some(ExportKind::ConstructionProgress),
            _ => None,
        }
    }

    pub fn file_stem(self) -> &'static str {
        match self {
            ExportKind::Projects => "projects",
            ExportKind::FundUtilization => "fund-utilization",
            ExportKind::ConstructionProgress => "construction-progress",
        }
    }

    fn sheet(self) -> &'static str {
        match self {
            ExportKind::Projects => "项目台账",
            ExportKind::FundUtilization => "资金使用情况",
            ExportKind::ConstructionProgress => "建设进度",
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv,
}

impl ExportFormat {
    pub fn parse(name: &str) -> Option<ExportFormat> {
        match name {
            "xlsx" => Some(ExportFormat::Xlsx),
            "csv" => Some(ExportFormat::Csv),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// The filters of the export; each kind uses those of its query.
#[derive(Clone, Debug, Default)]
pub struct ExportParams {
    pub year: Option<i32>,
    pub region_code: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub fund_group_by: Vec<Dimension>,
    pub progress_group_by: Vec<ProgressDimension>,
    pub project_filter: ProjectFilter,
}

/// One cell: exact text, or a whole number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Count(i64),
}

/// A sheet: a title, Chinese column headers, rows.
#[derive(Clone, Debug)]
pub struct Table {
    pub sheet: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// The most rows one export holds.
pub const MAX_ROWS: u64 = 100_000;

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn money(m: Money) -> Cell {
    text(m.to_yuan().to_string())
}

fn opt(value: Option<impl ToString>) -> Cell {
    text(value.map(|v| v.to_string()).unwrap_or_default())
}

fn require<T>(value: Option<T>, field: &str, what: &str) -> Result<T, crate::domain::fault::Fault> {
    value.ok_or_else(|| {
        crate::domain::fault::Fault::new(
            crate::domain::fault::ErrorCode::InvalidInput,
            &[field],
            format!("give {what}"),
        )
    })
}

async fn region_names(db: &DatabaseConnection, codes: Vec<String>) -> ServiceResult<HashMap<String, String>> {
    Ok(region::Entity::find()
        .filter(region::Column::Code.is_in(codes))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect())
}

async fn department_names(db: &DatabaseConnection, ids: Vec<i64>) -> ServiceResult<HashMap<i64, String>> {
    Ok(department::Entity::find()
        .filter(department::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect())
}

/// Builds the table of an export as `actor` may see it.
pub async fn build(
    db: &DatabaseConnection,
    actor: &crate::domain::access::Actor,
    kind: ExportKind,
    params: &ExportParams,
) -> ServiceResult<Table> {
    match kind {
        ExportKind::Projects => projects_table(db, actor, params).await,
        ExportKind::FundUtilization => {
            let year = require(params.year, "year", "the year")?;
            let region = require(params.region_code.as_deref(), "regionCode", "the region's code")?;
            let rows = fund_utilization(db, actor, year, region, &params.fund_group_by, params.as_of).await?;
            let wants = |d: Dimension| params.fund_group_by.contains(&d);
            let mut codes: Vec<String> = rows
                .iter()
                .flat_map(|r| [r.key.county.clone(), r.key.township.clone()])
                .flatten()
                .collect();
            codes.dedup();
            let regions = region_names(db, codes).await?;
            let departments = department_names(db, rows.iter().filter_map(|r| r.key.department_id).collect()).await?;
            let line_ids: Vec<i64> = rows.iter().filter_map(|r| r.key.fund_line_id).collect();
            let lines: HashMap<i64, String> = super::funds::lines_by_ids(db, &crate::db::rows::distinct(line_ids))
                .await?
                .into_iter()
                .map(|l| (l.id, l.name))
                .collect();
            let mut headers: Vec<&str> = Dimension::IN_ORDER
                .into_iter()
                .filter(|d| wants(*d))
                .map(Dimension::chinese_name)
                .collect();
            headers.extend(MoneyFigure::ALL.map(MoneyFigure::chinese_heading));
            let rows = rows
                .into_iter()
                .map(|r| {
                    let k = &r.key;
                    let mut cells = Vec::new();
                    if wants(Dimension::County) {
                        cells.push(opt(k.county.as_ref().and_then(|c| regions.get(c))));
                    }
                    if wants(Dimension::FundKind) {
                        cells.push(opt(k.fund_kind.map(|f| f.chinese_name())));
                    }
                    if wants(Dimension::FundLevel) {
                        cells.push(opt(k.fund_level.map(|l| l.as_str())));
                    }
                    if wants(Dimension::FundLine) {
                        cells.push(opt(k.fund_line_id.and_then(|id| lines.get(&id))));
                    }
                    if wants(Dimension::Sector) {
                        cells.push(opt(k.sector.map(Sector::chinese_name)));
                    }
                    if wants(Dimension::Township) {
                        cells.push(opt(k.township.as_ref().and_then(|c| regions.get(c))));
                    }
                    if wants(Dimension::Department) {
                        cells.push(opt(k.department_id.and_then(|id| departments.get(&id))));
                    }
                    if wants(Dimension::Month) {
                        let month = k.month.map(crate::domain::funds::year_month_text);
                        cells.push(month.map_or(text(""), Cell::Text));
                    }
                    cells.extend(MoneyFigure::ALL.map(|m| opt(m.value(&r.figures))));
                    cells
                })
                .collect();
            Ok(Table {
                sheet: kind.sheet(),
                headers,
                rows,
            })
        }
        ExportKind::ConstructionProgress => {
            let year = require(params.year, "year", "the year")?;
            let region = require(params.region_code.as_deref(), "regionCode", "the region's code")?;
            let rows = construction_progress(db, actor, year, region, &params.progress_group_by, params.as_of).await?;
            let wants = |d: ProgressDimension| params.progress_group_by.contains(&d);
            let regions = region_names(db, rows.iter().filter_map(|r| r.key.township.clone()).collect()).await?;
            let departments = department_names(db, rows.iter().filter_map(|r| r.key.department_id).collect()).await?;
            let mut headers = vec![Dimension::Sector.chinese_name(), "单位"];
            headers.extend(
                ProgressDimension::IN_ORDER
                    .into_iter()
                    .filter(|d| wants(*d))
                    .map(ProgressDimension::chinese_name),
            );
            headers.extend(ConstructionFigure::ALL.map(ConstructionFigure::chinese_heading));
            let rows = rows
                .into_iter()
                .map(|r| {
                    let k = &r.key;
                    let mut cells = vec![opt(k.sector.map(Sector::chinese_name)), opt(k.sector.map(Sector::unit))];
                    if wants(ProgressDimension::Township) {
                        cells.push(opt(k.township.as_ref().and_then(|c| regions.get(c))));
                    }
                    if wants(ProgressDimension::Department) {
                        cells.push(opt(k.department_id.and_then(|id| departments.get(&id))));
                    }
                    if wants(ProgressDimension::Month) {
                        cells.push(k.month.map_or(text(""), |m| Cell::Count(i64::from(m))));
                    }
                    cells.extend(ConstructionFigure::ALL.map(|c| match c.value(&r.figures) {
                        Some(FigureValue::Count(n)) => Cell::Count(n),
                        Some(FigureValue::Number(n)) => text(n.to_string()),
                        None => text(""),
                    }));
                    cells
                })
                .collect();
            Ok(Table {
                sheet: kind.sheet(),
                headers,
                rows,
            })
        }
    }
}

async fn projects_table(
    db: &DatabaseConnection,
    actor: &crate::domain::access::Actor,
    params: &ExportParams,
) -> ServiceResult<Table> {
    let mut filter = params.project_filter.clone();
    filter.year = filter.year.or(params.year);
    if let Some(region) = &params.region_code {
        let code = super::regions::parse_code("regionCode", region)?;
        crate::domain::access::authorize_at(actor, crate::domain::access::Operation::ViewFunds, &code)?;
        filter.region_code = Some(code.to_string());
    }
    let rows_in = projects::list(
        db,
        actor,
        &filter,
        ProjectOrder::default(),
        &PageRequest {
            first: MAX_ROWS,
            after: None,
            count_total: false,
        },
    )
    .await?
    .items;
    let ids: Vec<i64> = rows_in.iter().map(|p| p.id).collect();
    let villages = projects::villages_of(db, &ids).await?;
    let latest_reports = super::progress::latest_reports_of_projects(db, &ids).await?;
    let mut codes: Vec<String> = rows_in.iter().map(|p| p.township_code.clone()).collect();
    codes.extend(villages.values().flatten().cloned());
    codes.sort();
    codes.dedup();
    let regions = region_names(db, codes).await?;
    let departments = department_names(db, rows_in.iter().filter_map(|p| p.department_id).collect()).await?;
    let headers = vec![
        "项目编码",
        "项目名称",
        "年度",
        "行业",
        "乡镇",
        "村",
        "建设性质",
        "建设内容",
        "计划工程量",
        "单位",
        "预算(元)",
        "责任部门",
        "状态",
        "计划开工",
        "计划完工",
        "实际开工",
        "实际完工",
        "已安排资金(元)",
        "已拨付资金(元)",
        "最新完成量",
        "受益户数",
        "受益人数",
        "贫困户数",
        "贫困人数",
    ];
    let mut rows = Vec::new();
    for p in rows_in {
        let sector = projects::sector_of(&p)?;
        let status = projects::status_of(&p)?;
        let village_names: Vec<String> = villages
            .get(&p.id)
            .map(|v| v.iter().filter_map(|c| regions.get(c).cloned()).collect())
            .unwrap_or_default();
        let latest = latest_reports
            .get(&p.id)
            .and_then(Option::as_ref)
            .map(|r| Quantity::from_milli(r.completed_quantity_milli).to_decimal());
        let nature = crate::domain::project::ConstructionNature::parse(&p.construction_nature)
            .map(crate::domain::project::ConstructionNature::chinese_name);
        rows.push(vec![
            text(p.code.clone()),
            text(p.name.clone()),
            Cell::Count(i64::from(p.year)),
            text(sector.chinese_name()),
            opt(regions.get(&p.township_code)),
            text(village_names.join("、")),
            opt(nature),
            text(p.content.clone()),
            text(Quantity::from_milli(p.planned_quantity_milli).to_decimal().to_string()),
            text(sector.unit()),
            money(Money::from_fen(p.budget_fen)),
            opt(p.department_id.and_then(|id| departments.get(&id))),
            text(status.chinese_name()),
            opt(p.planned_start),
            opt(p.planned_finish),
            opt(p.actual_start),
            opt(p.actual_finish),
            money(Money::from_fen(p.allocated_fen)),
            money(Money::from_fen(p.disbursed_fen)),
            opt(latest),
            Cell::Count(i64::from(p.beneficiary_households)),
            Cell::Count(i64::from(p.beneficiary_people)),
            Cell::Count(i64::from(p.poor_households)),
            Cell::Count(i64::from(p.poor_people)),
        ]);
    }
    Ok(Table {
        sheet: ExportKind::Projects.sheet(),
        headers,
        rows,
    })
}

/// CSV, UTF-8 with a byte-order mark so that Excel reads the Chinese.
pub fn to_csv(table: &Table) -> ServiceResult<Vec<u8>> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        let fail = |e: csv::Error| ServiceError::Internal(format!("writing CSV failed: {e}"));
        writer.write_record(&table.headers).map_err(fail)?;
        for row in &table.rows {
            writer
                .write_record(row.iter().map(|c| match c {
                    Cell::Text(t) => t.clone(),
                    Cell::Count(n) => n.to_string(),
                }))
                .map_err(fail)?;
        }
        writer
            .flush()
            .map_err(|e| ServiceError::Internal(format!("writing CSV failed: {e}")))?;
    }
    Ok(out)
}

/// XLSX with a bold, frozen header row.
pub fn to_xlsx(table: &Table) -> ServiceResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| ServiceError::Internal(format!("writing XLSX failed: {e}"));
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name(table.sheet).map_err(fail)?;
    for (col, header) in table.headers.iter().enumerate() {
        let col = u16::try_from(col).map_err(|_| ServiceError::Internal("too many columns".into()))?;
        sheet.write_string_with_format(0, col, *header, &bold).map_err(fail)?;
        sheet.set_column_width(col, 14).map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    for (r, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| ServiceError::Internal("too many rows".into()))?;
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| ServiceError::Internal("too many columns".into()))?;
            match cell {
                Cell::Text(t) => sheet.write_string(r, c, t.as_str()).map_err(fail)?,
                // Counts, years and months are far below 2^31.
                Cell::Count(n) => sheet
                    .write_number(r, c, i32::try_from(*n).unwrap_or(i32::MAX))
                    .map_err(fail)?,
            };
        }
    }
    workbook.save_to_buffer().map_err(fail)
}
