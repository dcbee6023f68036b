//! 导入 — a spreadsheet of one kind, read (`read`), each row checked and written by the same
//! use case its mutation runs, in date order, inside one transaction: a savepoint per row,
//! so a refused row undoes itself alone. A dry run rolls everything back; ALL commits only
//! when every row passed; PARTIAL commits the rows that passed. Each row's natural key (a
//! line's name, a 文号 on a line, a voucher number) makes a second import of the same file
//! change nothing and say so, and a changed row a conflict. Every run is kept with its
//! report (`import_run`) and audited.
pub mod books;
mod library;
mod plan;
pub mod read;
pub mod sheets;

use super::audit::{self, Change};
use super::funds::{self, AllocationInput, DisbursementInput, FundLineInput, ReceiptInput};
use super::{ServiceError, ServiceResult, begin_write};
use crate::domain::access::{Actor, Operation, authorize};
use crate::domain::audit::AuditAction;
use crate::domain::fault::Fault;
use crate::domain::funds::{EntryKind, FundKind, FundLevel};
use crate::domain::import::{self as rules, Column, Kind, Mode, RowStatus, Unit, Value};
use crate::domain::money::Money;
use crate::domain::region::{RegionCode, RegionLevel};
use chrono::{NaiveDate, Utc};
use entity::{fund_line, import_run, ledger_entry, project};
use read::Table;
use sea_orm::sea_query::Condition;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use sha2::Digest;

/// One error of a row: the column at fault (when one is), and why.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CellError {
    /// The column's key (`amount`), or none for the row as a whole.
    pub column: Option<String>,
    /// The heading in the file (到位金额（万元）).
    pub heading: Option<String>,
    pub message: String,
}

/// One row's outcome, with its cells as read.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RowReport {
    /// The row's line in the file (1-based, as the clerk sees it).
    pub line: usize,
    pub status: RowStatus,
    pub errors: Vec<CellError>,
    pub cells: Vec<String>,
}

/// What the run's report holds besides the counts.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ReportBody {
    pub headings: Vec<String>,
    pub rows: Vec<RowReport>,
}

/// A file to import.
pub struct Upload<'a> {
    pub kind: Kind,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    pub mode: Mode,
}

/// Whether the actor may import a kind at all, before the file is read: the permission
/// table's row for the money, the lifecycle table's for progress (each row is then checked
/// again by its use case, scope included).
fn check_right(actor: &Actor, kind: Kind) -> Result<(), Fault> {
    use crate::domain::lifecycle::{self, ProjectAction, ProjectStatus, Who};
    match kind {
        Kind::FundLines | Kind::Receipts | Kind::Allocations | Kind::Disbursements => {
            authorize(actor, Operation::ManageFunds)
        }
        Kind::Regions => authorize(actor, Operation::ManageRegions),
        Kind::VillageFigures | Kind::ExitRegister => authorize(actor, Operation::JudgeExitIndicators),
        Kind::Projects => authorize(actor, Operation::ImportProjectLibrary),
        Kind::Plan => authorize(actor, Operation::ManagePlan),
        Kind::Progress if authorize(actor, Operation::ImportProjectLibrary).is_ok() => Ok(()),
        Kind::Progress => {
            let row = lifecycle::transition(ProjectStatus::UnderConstruction, ProjectAction::ReportProgress)
                .ok_or_else(|| Fault::forbidden("progress cannot be reported"))?;
            let allowed = match row.who {
                Who::AssignedDepartment => actor.role == crate::domain::access::Role::Department,
                Who::Role(role) => actor.role == role,
            };
            if allowed {
                Ok(())
            } else {
                Err(Fault::forbidden(format!(
                    "progress is reported by {}; you are {}",
                    row.who.describe(),
                    actor.role.as_str()
                )))
            }
        }
    }
}

/// The county an importer works in: files name no county; a user of a county imports into
/// it. Regions name their own codes: the importer's area, of any level, bounds them.
fn county_of(actor: &Actor, kind: Kind) -> Result<RegionCode, Fault> {
    match actor.scope.root() {
        Some(root)
            if matches!(kind, Kind::Regions | Kind::VillageFigures | Kind::ExitRegister)
                || root.level() == RegionLevel::County =>
        {
            Ok(root.clone())
        }
        _ => Err(Fault::forbidden(
            "import as a user of one county: the rows are that county's (a province or city user imports county by county)",
        )),
    }
}

/// Imports a file; `progress(done, total)` is called after each row.
pub async fn run(
    db: &DatabaseConnection,
    actor: &Actor,
    upload: Upload<'_>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> ServiceResult<import_run::Model> {
    check_right(actor, upload.kind)?;
    let county = county_of(actor, upload.kind)?;
    let sha256 = hex(&sha2::Sha256::digest(upload.bytes));
    // Reading a workbook is CPU work: off the async workers.
    let (bytes, kind) = (upload.bytes.to_vec(), upload.kind);
    let table = tokio::task::spawn_blocking(move || read::read(&bytes).and_then(|sheet| read::locate(kind, &sheet)))
        .await
        .map_err(|e| ServiceError::Internal(format!("reading the file: {e}")))?;
    let table = match table {
        Ok(table) => table,
        Err(problem) => {
            let run = Counts::default();
            return save_run(
                db,
                actor,
                &upload,
                &sha256,
                run,
                Some(problem),
                ReportBody::default(),
                false,
            )
            .await;
        }
    };
    let mut order: Vec<usize> = (0..table.rows.len()).collect();
    // Rows with a day are taken in date order (the ledger's invariants are checked as of
    // each day); ties and undated rows in file order.
    if let Some(date) = upload.kind.columns().iter().find(|c| c.value == Value::Date) {
        order.sort_by_key(|&i| rules::parse_date(table.cell(&table.rows[i].1, date.key)).ok());
    }
    // Regions go parents first, so a file may list them in any order.
    if upload.kind == Kind::Regions {
        order.sort_by_key(|&i| {
            RegionCode::parse(table.cell(&table.rows[i].1, "code").trim())
                .map(|c| c.level())
                .ok()
        });
    }
    // What is written together: a row, or a plan's version.
    let units: Vec<Vec<usize>> = match upload.kind {
        Kind::Plan => plan::versions(&table),
        _ => order.into_iter().map(|i| vec![i]).collect(),
    };
    let txn = begin_write(db).await?;
    let mut reports: Vec<Option<RowReport>> = vec![None; table.rows.len()];
    let mut counts = Counts::default();
    for unit in units {
        let savepoint = txn.savepoint().await?;
        let outcomes = match upload.kind {
            Kind::Plan => plan::version_rows(&savepoint, actor, &county, &table, &unit).await?,
            kind => vec![outcome(
                apply(&savepoint, actor, &county, kind, &table, &table.rows[unit[0]].1).await,
            )?],
        };
        if outcomes.iter().all(|(status, _)| *status == RowStatus::Accepted) {
            savepoint.commit().await?;
        } else {
            savepoint.rollback().await?;
        }
        for (&i, (status, errors)) in unit.iter().zip(outcomes) {
            let (line, cells) = &table.rows[i];
            counts.add(status);
            reports[i] = Some(RowReport {
                line: *line,
                status,
                errors: errors.into_iter().map(|e| headed(upload.kind, &table, e)).collect(),
                cells: cells.clone(),
            });
            progress(counts.total as usize, table.rows.len());
        }
    }
    let body = ReportBody {
        headings: table.headings.clone(),
        rows: reports.into_iter().flatten().collect(),
    };
    let commit = match upload.mode {
        Mode::DryRun => false,
        Mode::All => counts.refused == 0 && counts.conflicting == 0,
        Mode::Partial => true,
    };
    if commit {
        let run = write_run(&txn, actor, &upload, &sha256, counts, None, &body, true).await?;
        txn.commit().await?;
        Ok(run)
    } else {
        txn.rollback().await?;
        save_run(db, actor, &upload, &sha256, counts, None, body, false).await
    }
}

/// Names an error's column by its heading in the file, or — for a column the file lacks
/// (超概算) — by the template's; a use case's field that is no column at all
/// (`allocation`) leaves the row as a whole to blame.
fn headed(kind: Kind, table: &Table, mut error: CellError) -> CellError {
    let Some(key) = error.column.clone() else {
        return error;
    };
    match table.columns.iter().position(|c| c.is_some_and(|c| c.key == key)) {
        Some(i) => error.heading = table.headings.get(i).cloned(),
        None => match kind.column(&key) {
            Some(column) => error.heading = Some(column.chinese.to_string()),
            None => error.column = None,
        },
    }
    error
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    total: i32,
    accepted: i32,
    unchanged: i32,
    conflicting: i32,
    refused: i32,
}

impl Counts {
    fn add(&mut self, status: RowStatus) {
        self.total += 1;
        match status {
            RowStatus::Accepted => self.accepted += 1,
            RowStatus::Unchanged => self.unchanged += 1,
            RowStatus::Conflict => self.conflicting += 1,
            RowStatus::Refused => self.refused += 1,
        }
    }
}

/// Keeps a run that wrote nothing, in a transaction of its own.
#[allow(clippy::too_many_arguments)] // a run record is these things; the two callers pass them through
async fn save_run(
    db: &DatabaseConnection,
    actor: &Actor,
    upload: &Upload<'_>,
    sha256: &str,
    counts: Counts,
    problem: Option<String>,
    body: ReportBody,
    committed: bool,
) -> ServiceResult<import_run::Model> {
    let txn = begin_write(db).await?;
    let run = write_run(&txn, actor, upload, sha256, counts, problem, &body, committed).await?;
    txn.commit().await?;
    Ok(run)
}

#[allow(clippy::too_many_arguments)] // as `save_run`
async fn write_run(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    upload: &Upload<'_>,
    sha256: &str,
    counts: Counts,
    problem: Option<String>,
    body: &ReportBody,
    committed: bool,
) -> ServiceResult<import_run::Model> {
    let report = serde_json::to_string(body).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let row = import_run::Entity::insert(import_run::ActiveModel {
        kind: Set(upload.kind.as_str().to_string()),
        file_name: Set(upload.file_name.chars().take(255).collect()),
        sha256: Set(sha256.to_string()),
        mode: Set(upload.mode.as_str().to_string()),
        committed: Set(committed),
        rows_total: Set(counts.total),
        rows_written: Set(if committed { counts.accepted } else { 0 }),
        rows_unchanged: Set(counts.unchanged),
        rows_conflicting: Set(counts.conflicting),
        rows_refused: Set(counts.refused),
        problem: Set(problem),
        report: Set(report),
        created_by: Set(actor.username.clone()),
        region_code: Set(actor.scope.root().map(|r| r.to_string())),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(conn)
    .await?;
    // The audit entry holds the run without its report (the rows are in `import_run`).
    let summary = import_run::Model {
        report: String::new(),
        ..row.clone()
    };
    audit::record(
        conn,
        actor,
        Change {
            action: AuditAction::ImportRun,
            entity_type: "ImportRun",
            entity_id: row.id.to_string(),
            region_code: row.region_code.clone(),
            before: None,
            after: audit::json(&summary),
        },
    )
    .await?;
    Ok(row)
}

/// The run with `id`, if the actor may read it: its own, or — for those who may read the
/// journal (its rows are the ledger's) — one made in its area.
pub async fn find(db: &DatabaseConnection, actor: &Actor, id: i64) -> ServiceResult<Option<import_run::Model>> {
    let Some(run) = import_run::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let in_area = authorize(actor, Operation::ViewJournal).is_ok()
        && run
            .region_code
            .as_deref()
            .and_then(|c| RegionCode::parse(c).ok())
            .is_some_and(|c| actor.scope.contains(&c));
    Ok((run.created_by == actor.username || in_area).then_some(run))
}

/// A run as the HTTP answer gives it: its counts and each row's outcome (cells left out).
pub fn summary(run: &import_run::Model) -> ServiceResult<serde_json::Value> {
    let body = report_of(run)?;
    let rows: Vec<serde_json::Value> = body
        .rows
        .iter()
        .map(|r| serde_json::json!({"line": r.line, "status": r.status.as_str(), "errors": r.errors}))
        .collect();
    Ok(serde_json::json!({
        "id": crate::graphql::node::global_id("ImportRun", run.id).0,
        "number": run.id,
        "kind": run.kind,
        "fileName": run.file_name,
        "sha256": run.sha256,
        "mode": run.mode,
        "committed": run.committed,
        "rowsTotal": run.rows_total,
        "rowsWritten": run.rows_written,
        "rowsUnchanged": run.rows_unchanged,
        "rowsConflicting": run.rows_conflicting,
        "rowsRefused": run.rows_refused,
        "problem": run.problem,
        "rows": rows,
    }))
}

pub fn report_of(run: &import_run::Model) -> ServiceResult<ReportBody> {
    serde_json::from_str(&run.report).map_err(|e| ServiceError::Internal(format!("import report {}: {e}", run.id)))
}

/// What writing a row did.
enum Applied {
    Written,
    Unchanged,
    Conflict(Vec<CellError>),
}

/// What became of a row: its status and errors.
type Outcome = (RowStatus, Vec<CellError>);

/// A row's outcome; a failure of the server ends the run.
fn outcome(result: Result<Applied, RowError>) -> ServiceResult<Outcome> {
    match result {
        Ok(Applied::Written) => Ok((RowStatus::Accepted, Vec::new())),
        Ok(Applied::Unchanged) => Ok((RowStatus::Unchanged, Vec::new())),
        Ok(Applied::Conflict(errors)) => Ok((RowStatus::Conflict, errors)),
        Err(RowError::Refused(errors)) => Ok((RowStatus::Refused, errors)),
        Err(RowError::Failed(e)) => Err(e),
    }
}

/// Why a row was not written: its errors, or a failure of the server.
enum RowError {
    Refused(Vec<CellError>),
    Failed(ServiceError),
}

impl From<ServiceError> for RowError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Rejected(faults) => RowError::Refused(faults.into_iter().map(fault_error).collect()),
            other => RowError::Failed(other),
        }
    }
}

impl From<sea_orm::DbErr> for RowError {
    fn from(e: sea_orm::DbErr) -> Self {
        RowError::Failed(e.into())
    }
}

/// A use case's fault, on the column its input field is.
fn fault_error(fault: Fault) -> CellError {
    let column = fault.field.get(1).cloned();
    CellError {
        column,
        heading: None,
        message: fault.message,
    }
}

fn refused(column: &Column, message: impl Into<String>) -> RowError {
    RowError::Refused(vec![CellError {
        column: Some(column.key.to_string()),
        heading: Some(column.chinese.to_string()),
        message: message.into(),
    }])
}

/// A row's cells, read by column.
struct Cells<'a> {
    kind: Kind,
    table: &'a Table,
    row: &'a [String],
}

impl Cells<'_> {
    fn column(&self, key: &str) -> &'static Column {
        self.kind
            .column(key)
            .unwrap_or_else(|| unreachable!("{key} is a column of {:?}", self.kind))
    }

    fn raw(&self, key: &str) -> &str {
        self.table.cell(self.row, key)
    }

    fn text(&self, key: &str) -> Result<Option<String>, RowError> {
        let raw = self.raw(key).trim();
        if raw.is_empty() {
            if self.column(key).required {
                return Err(refused(self.column(key), "must not be empty"));
            }
            return Ok(None);
        }
        // Kept as written (keys like 文号 must match what the API recorded); the number,
        // date and choice readers take full-width characters themselves.
        Ok(Some(raw.to_string()))
    }

    fn required_text(&self, key: &str) -> Result<String, RowError> {
        Ok(self.text(key)?.unwrap_or_default())
    }

    fn parsed<T>(&self, key: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Option<T>, RowError> {
        match self.text(key)? {
            None => Ok(None),
            Some(raw) => parse(&raw).map(Some).map_err(|m| refused(self.column(key), m)),
        }
    }

    fn money(&self, key: &str) -> Result<Money, RowError> {
        let unit: Unit = self.table.unit;
        Ok(self
            .parsed(key, |raw| rules::parse_money(raw, unit))?
            .unwrap_or(Money::ZERO))
    }

    fn date(&self, key: &str) -> Result<NaiveDate, RowError> {
        self.parsed(key, rules::parse_date)?
            .ok_or_else(|| refused(self.column(key), "must not be empty"))
    }

    fn year(&self) -> Result<i32, RowError> {
        let year = self.parsed("year", rules::parse_integer)?.unwrap_or_default();
        i32::try_from(year).map_err(|_| refused(self.column("year"), "is not a year"))
    }

    fn flag(&self, key: &str) -> Result<Option<bool>, RowError> {
        self.parsed(key, rules::parse_flag)
    }

    fn optional_date(&self, key: &str) -> Result<Option<NaiveDate>, RowError> {
        self.parsed(key, rules::parse_date)
    }

    /// A choice column's value, as the API names it.
    fn choice(&self, key: &str) -> Result<Option<&'static str>, RowError> {
        let Value::Choice(choices) = self.column(key).value else {
            unreachable!("{key} is a choice")
        };
        self.parsed(key, |raw| rules::parse_choice(raw, choices))
    }

    /// A choice the row must make.
    fn required_choice(&self, key: &str) -> Result<&'static str, RowError> {
        self.choice(key)?
            .ok_or_else(|| refused(self.column(key), "must not be empty"))
    }
}

/// The county's line of `year` with the row's name.
async fn line_of(
    conn: &impl ConnectionTrait,
    county: &RegionCode,
    cells: &Cells<'_>,
) -> Result<fund_line::Model, RowError> {
    let name = cells.required_text("fundLine")?;
    let year = cells.year()?;
    fund_line::Entity::find()
        .filter(fund_line::Column::CountyCode.eq(county.as_str()))
        .filter(fund_line::Column::Year.eq(year))
        .filter(fund_line::Column::Name.eq(name.as_str()))
        .one(conn)
        .await?
        .ok_or_else(|| {
            refused(
                cells.column("fundLine"),
                format!("county {county} has no fund line `{name}` of {year}: import the fund lines first"),
            )
        })
}

async fn project_of(
    conn: &impl ConnectionTrait,
    county: &RegionCode,
    cells: &Cells<'_>,
) -> Result<project::Model, RowError> {
    let code = cells.required_text("project")?;
    project::Entity::find()
        .filter(project::Column::CountyCode.eq(county.as_str()))
        .filter(project::Column::Code.eq(code.as_str()))
        .one(conn)
        .await?
        .ok_or_else(|| {
            refused(
                cells.column("project"),
                format!("county {county} has no project `{code}`"),
            )
        })
}

fn conflict(column: &Column, message: String) -> Applied {
    Applied::Conflict(vec![CellError {
        column: Some(column.key.to_string()),
        heading: Some(column.chinese.to_string()),
        message,
    }])
}

/// Checks and writes one row.
async fn apply(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    county: &RegionCode,
    kind: Kind,
    table: &Table,
    row: &[String],
) -> Result<Applied, RowError> {
    let cells = Cells { kind, table, row };
    match kind {
        Kind::FundLines => fund_line_row(conn, actor, county, &cells).await,
        Kind::Receipts => receipt_row(conn, actor, county, &cells).await,
        Kind::Allocations => allocation_row(conn, actor, county, &cells).await,
        Kind::Disbursements => disbursement_row(conn, actor, county, &cells).await,
        Kind::Progress => progress_row(conn, actor, county, &cells).await,
        Kind::Regions => region_row(conn, actor, &cells).await,
        Kind::VillageFigures => village_figures_row(conn, actor, &cells).await,
        Kind::ExitRegister => exit_register_row(conn, actor, &cells).await,
        Kind::Projects => library::project_row(conn, actor, county, &cells).await,
        Kind::Plan => Err(RowError::Failed(ServiceError::Internal(
            "a plan is imported a version at a time".into(),
        ))),
    }
}

async fn fund_line_row(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    county: &RegionCode,
    cells: &Cells<'_>,
) -> Result<Applied, RowError> {
    let name = cells.required_text("name")?;
    let year = cells.year()?;
    let kind =
        FundKind::parse(cells.required_choice("kind")?).ok_or_else(|| refused(cells.column("kind"), "unknown kind"))?;
    let level = FundLevel::parse(cells.required_choice("level")?)
        .ok_or_else(|| refused(cells.column("level"), "unknown level"))?;
    let planned = cells.money("plannedAmount")?;
    let targeted = cells.flag("povertyTargeted")?;
    let existing = fund_line::Entity::find()
        .filter(fund_line::Column::CountyCode.eq(county.as_str()))
        .filter(fund_line::Column::Year.eq(year))
        .filter(fund_line::Column::Name.eq(name.as_str()))
        .one(conn)
        .await?;
    if let Some(line) = existing {
        let same = line.kind == kind.as_str()
            && line.level == level.as_str()
            && line.planned_fen == planned.fen()
            && targeted.is_none_or(|t| t == line.poverty_targeted);
        return Ok(if same {
            Applied::Unchanged
        } else {
            conflict(
                cells.column("name"),
                format!(
                    "the line `{name}` of {year} is already in the tracker as {} {} {} yuan: not overwritten",
                    line.kind,
                    line.level,
                    Money::from_fen(line.planned_fen)
                ),
            )
        });
    }
    let input = FundLineInput {
        county_code: county.to_string(),
        year,
        name,
        kind,
        level,
        planned: planned.to_yuan(),
        poverty_targeted: targeted,
    };
    funds::create_line_in(conn, actor, input).await?;
    Ok(Applied::Written)
}

async fn receipt_row(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    county: &RegionCode,
    cells: &Cells<'_>,
) -> Result<Applied, RowError> {
    let line = line_of(conn, county, cells).await?;
    let document_no = cells.required_text("documentNo")?;
    let amount = cells.money("amount")?;
    let date = cells.date("date")?;
    let note = cells.text("note")?;
    let scope = Condition::all().add(ledger_entry::Column::FundLineId.eq(line.id));
    if let Some(entry) = funds::standing_with_number(conn, EntryKind::Receipt, &document_no, scope).await? {
        return Ok(same_entry(cells, "documentNo", &entry, amount, date, None));
    }
    let input = ReceiptInput {
        fund_line_id: line.id,
        amount: amount.to_yuan(),
        date,
        document_no,
        note,
        confirm_duplicate: false,
    };
    funds::record_receipt_in(conn, actor, input).await?;
    Ok(Applied::Written)
}

/// An entry already recorded under the row's key: unchanged if it says the same, else a
/// conflict naming what differs.
fn same_entry(
    cells: &Cells<'_>,
    key: &str,
    entry: &ledger_entry::Model,
    amount: Money,
    date: NaiveDate,
    project: Option<i64>,
) -> Applied {
    let mut differs = Vec::new();
    if entry.amount_fen != amount.fen() {
        differs.push(format!("{} yuan", Money::from_fen(entry.amount_fen)));
    }
    if entry.entry_date != date {
        differs.push(format!("dated {}", entry.entry_date));
    }
    if project.is_some() && entry.project_id != project {
        differs.push("for another project".to_string());
    }
    if differs.is_empty() {
        Applied::Unchanged
    } else {
        conflict(
            cells.column(key),
            format!(
                "`{}` is already recorded ({}): not overwritten",
                cells.raw(key).trim(),
                differs.join(", ")
            ),
        )
    }
}

async fn allocation_row(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    county: &RegionCode,
    cells: &Cells<'_>,
) -> Result<Applied, RowError> {
    let line = line_of(conn, county, cells).await?;
    let project = project_of(conn, county, cells).await?;
    let amount = cells.money("amount")?;
    let date = cells.date("date")?;
    // The key: the line, the project and the day.
    let key = Condition::all()
        .add(ledger_entry::Column::Kind.eq(EntryKind::Allocation.as_str()))
        .add(ledger_entry::Column::FundLineId.eq(line.id))
        .add(ledger_entry::Column::ProjectId.eq(project.id))
        .add(ledger_entry::Column::EntryDate.eq(date));
    if let Some(entry) = funds::standing_entries(conn, key).await?.first() {
        return Ok(same_entry(cells, "date", entry, amount, date, Some(project.id)));
    }
    let input = AllocationInput {
        fund_line_id: line.id,
        project_id: project.id,
        amount: amount.to_yuan(),
        date,
        note: cells.text("note")?,
        confirm_above_budget: cells.flag("confirmAboveBudget")?.unwrap_or(false),
        outside_plan: cells.flag("outsidePlan")?.unwrap_or(false),
    };
    funds::allocate_in(conn, actor, input).await?;
    Ok(Applied::Written)
}

async fn disbursement_row(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    county: &RegionCode,
    cells: &Cells<'_>,
) -> Result<Applied, RowError> {
    let line = line_of(conn, county, cells).await?;
    let project = project_of(conn, county, cells).await?;
    let voucher_no = cells.required_text("voucherNo")?;
    let amount = cells.money("amount")?;
    let date = cells.date("date")?;
    let scope = Condition::all().add(ledger_entry::Column::CountyCode.eq(county.as_str()));
    let is_retention = cells.flag("isRetention")?.unwrap_or(false);
    if let Some(entry) = funds::standing_with_number(conn, EntryKind::Disbursement, &voucher_no, scope).await? {
        if entry.fund_line_id != line.id || entry.is_retention != is_retention {
            return Ok(conflict(
                cells.column("voucherNo"),
                format!(
                    "`{voucher_no}` is already recorded on another line or as another kind of payment: not overwritten"
                ),
            ));
        }
        return Ok(same_entry(cells, "voucherNo", &entry, amount, date, Some(project.id)));
    }
    // The allocation it pays: the earliest of this line to the project with enough unpaid.
    let allocation = funds::unpaid_allocations(conn, project.id)
        .await?
        .into_iter()
        .filter(|(a, _)| a.fund_line_id == line.id && a.entry_date <= date)
        .find(|(_, left)| left.fen() >= amount.fen())
        .map(|(a, _)| a)
        .ok_or_else(|| {
            refused(
                cells.column("amount"),
                format!(
                    "no allocation of `{}` to project {} made by {date} has {amount} yuan unpaid: import the allocations first",
                    line.name, project.code
                ),
            )
        })?;
    let input = DisbursementInput {
        allocation_id: allocation.id,
        amount: amount.to_yuan(),
        date,
        voucher_no,
        is_retention,
        early_release_reason: cells.text("earlyReleaseReason")?,
        note: cells.text("note")?,
        confirm_duplicate: false,
    };
    funds::disburse_in(conn, actor, input).await?;
    Ok(Applied::Written)
}

async fn progress_row(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    county: &RegionCode,
    cells: &Cells<'_>,
) -> Result<Applied, RowError> {
    use entity::progress_report;
    let project = project_of(conn, county, cells).await?;
    let reported_on = cells.date("reportedOn")?;
    let quantity = cells
        .parsed("completedQuantity", rules::parse_quantity)?
        .ok_or_else(|| refused(cells.column("completedQuantity"), "must not be empty"))?;
    let invested = cells.money("investedAmount")?;
    // The key: the project and the day; the day's latest report is the one that counts.
    let same_day = progress_report::Entity::find()
        .filter(progress_report::Column::ProjectId.eq(project.id))
        .filter(progress_report::Column::ReportedOn.eq(reported_on))
        .all(conn)
        .await?
        .into_iter()
        .max_by_key(|r| (r.recorded_at, r.id));
    if let Some(report) = same_day {
        let milli = crate::domain::quantity::Quantity::parse(quantity)
            .map_err(|m| refused(cells.column("completedQuantity"), m))?
            .milli();
        return Ok(
            if report.completed_quantity_milli == milli && report.invested_fen == invested.fen() {
                Applied::Unchanged
            } else {
                conflict(
                    cells.column("reportedOn"),
                    format!(
                        "project {} already has a report of {reported_on} with other figures: not overwritten (correct it through the API)",
                        project.code
                    ),
                )
            },
        );
    }
    let input = super::progress::ProgressInput {
        project_id: project.id,
        expected_version: project.version,
        completed_quantity: quantity,
        invested_amount: invested.to_yuan(),
        reported_on,
        note: cells.text("note")?,
        correction: cells.flag("correction")?.unwrap_or(false),
        confirm_above_plan: cells.flag("confirmAbovePlan")?.unwrap_or(false),
    };
    // The county's library imported with its history: the report is the building
    // department's, taken by the importer as the lifecycle table names it.
    let actor = if authorize(actor, Operation::ImportProjectLibrary).is_ok() {
        library::acting(
            actor,
            crate::domain::access::Role::Department,
            county.clone(),
            project.department_id,
        )
    } else {
        actor.clone()
    };
    super::progress::create_in(conn, &actor, input).await?;
    Ok(Applied::Written)
}

async fn region_row(conn: &impl ConnectionTrait, actor: &Actor, cells: &Cells<'_>) -> Result<Applied, RowError> {
    let number = |key: &str| -> Result<i32, RowError> {
        let n = cells.parsed(key, rules::parse_integer)?.unwrap_or(0);
        i32::try_from(n).map_err(|_| refused(cells.column(key), "is too large"))
    };
    let input = super::regions::RegionInput {
        code: cells.required_text("code")?,
        name: cells.required_text("name")?,
        is_poverty_village: cells.flag("isPovertyVillage")?.unwrap_or(false),
        poor_households: number("poorHouseholds")?,
        poor_people: number("poorPeople")?,
    };
    let existing = entity::region::Entity::find_by_id(input.code.trim().to_string())
        .one(conn)
        .await?;
    let Some(current) = existing else {
        super::regions::insert(conn, actor, &input).await?;
        return Ok(Applied::Written);
    };
    let same = current.name == input.name.trim()
        && current.is_poverty_village == input.is_poverty_village
        && current.poor_households == input.poor_households
        && current.poor_people == input.poor_people;
    Ok(if same {
        Applied::Unchanged
    } else {
        conflict(
            cells.column("code"),
            format!(
                "{} is already in the tracker as {} ({}贫困村, {} households, {} people): not overwritten; change it with regionUpdate",
                current.code,
                current.name,
                if current.is_poverty_village { "" } else { "not a " },
                current.poor_households,
                current.poor_people
            ),
        )
    })
}

async fn village_figures_row(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    cells: &Cells<'_>,
) -> Result<Applied, RowError> {
    let number = |key: &str| -> Result<i32, RowError> {
        let n = cells.parsed(key, rules::parse_integer)?.unwrap_or(0);
        i32::try_from(n).map_err(|_| refused(cells.column(key), "is too large"))
    };
    let input = super::exit::FiguresInput {
        village_code: cells.required_text("villageCode")?.trim().to_string(),
        year: cells.year()?,
        population: number("population")?,
        poor_households: number("poorHouseholds")?,
        poor_people: number("poorPeople")?,
        exited_households: number("exitedHouseholds")?,
        exited_people: number("exitedPeople")?,
    };
    let existing = entity::village_figures::Entity::find()
        .filter(entity::village_figures::Column::VillageCode.eq(input.village_code.as_str()))
        .filter(entity::village_figures::Column::Year.eq(input.year))
        .one(conn)
        .await?;
    if let Some(row) = existing {
        let same = (
            row.population,
            row.poor_households,
            row.poor_people,
            row.exited_households,
            row.exited_people,
        ) == (
            input.population,
            input.poor_households,
            input.poor_people,
            input.exited_households,
            input.exited_people,
        );
        return Ok(if same {
            Applied::Unchanged
        } else {
            conflict(
                cells.column("villageCode"),
                format!(
                    "{} already has figures for {}: not overwritten; change them with villageFiguresSet",
                    row.village_code, row.year
                ),
            )
        });
    }
    super::exit::set_figures_in(conn, actor, input).await?;
    Ok(Applied::Written)
}

async fn exit_register_row(conn: &impl ConnectionTrait, actor: &Actor, cells: &Cells<'_>) -> Result<Applied, RowError> {
    use crate::domain::exit::State;
    let village_code = cells.required_text("villageCode")?.trim().to_string();
    let on = cells.date("date")?;
    let village = RegionCode::parse(&village_code).map_err(|m| refused(cells.column("villageCode"), m))?;
    let county = village
        .county()
        .ok_or_else(|| refused(cells.column("villageCode"), "give a village's code"))?;
    // The indicator by its code or by its name in the county's standard in force that day.
    let raw = cells.required_text("indicator")?;
    let standard = super::exit::in_force(conn, &county, on).await?;
    let wanted = rules::heading_key(&raw);
    let indicator = standard
        .indicators
        .iter()
        .find(|i| rules::heading_key(&i.code) == wanted || rules::heading_key(&i.name) == wanted)
        .ok_or_else(|| {
            let names: Vec<&str> = standard.indicators.iter().map(|i| i.name.as_str()).collect();
            refused(
                cells.column("indicator"),
                format!(
                    "`{}` is not an indicator of the standard in force on {on}: {}",
                    raw.trim(),
                    names.join("、")
                ),
            )
        })?;
    let state = match cells.text("state")? {
        None => None,
        Some(text) => {
            let code = rules::parse_choice(&text, rules::EXIT_STATES).map_err(|m| refused(cells.column("state"), m))?;
            State::parse(code)
        }
    };
    let value = cells.parsed("value", rules::parse_quantity)?;
    let existing = entity::exit_judgement::Entity::find()
        .filter(entity::exit_judgement::Column::VillageCode.eq(village_code.as_str()))
        .filter(entity::exit_judgement::Column::IndicatorCode.eq(indicator.code.as_str()))
        .filter(entity::exit_judgement::Column::JudgedOn.eq(on))
        .all(conn)
        .await?
        .into_iter()
        .max_by_key(|j| (j.recorded_at, j.id));
    if let Some(judgement) = existing {
        let same_state = state.is_none_or(|s| judgement.state == s.as_str());
        let same_value = value.is_none_or(|v| {
            judgement
                .value
                .as_deref()
                .and_then(|stored| stored.parse::<rust_decimal::Decimal>().ok())
                .is_some_and(|stored| stored == v)
        });
        return Ok(if same_state && same_value {
            Applied::Unchanged
        } else {
            conflict(
                cells.column("date"),
                format!(
                    "{village_code} {} was already judged {} on {on}: not overwritten; judge it again on a later day",
                    indicator.name, judgement.state
                ),
            )
        });
    }
    let input = super::exit::JudgeInput {
        village_code,
        indicator_code: indicator.code.clone(),
        state,
        value,
        evidence: cells.text("evidence")?,
        documents: Vec::new(),
        on: Some(on),
    };
    super::exit::judge_in(conn, actor, input).await?;
    Ok(Applied::Written)
}
