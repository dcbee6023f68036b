//! `GET /exports/{kind}.{format}` — the spreadsheets, over the same sign-in, filters and
//! scope as the queries. `kind` is `projects`, `journal`, `fund-utilization`,
//! `construction-progress`, `assessment`, `exit-register` or `gap-list`; `format` is `xlsx`
//! or `csv`. Query parameters: `year`,
//! `regionCode`, `asOf`, `groupBy` (comma-separated dimension names), `unit` (`yuan` or
//! `wan`); for projects `sector`, `status` (comma-separated), `townshipCode`, `text`; for
//! the journal the fields of `LedgerEntryFilter` (`fundLine`, `project`, `kind`,
//! `dateFrom`, `dateTo`, `documentNo`, `voucherNo`, `reversed`, `isReversal`,
//! `outsidePlan`, `recordedBy`) and `orderBy`; for the scores `year`, `quarter`,
//! `regionCode` and `by` (`TOWNSHIP` or `DEPARTMENT`).
use super::AppState;
use crate::domain::fault::ErrorCode;
use crate::graphql::context::Auth;
use crate::service::ServiceError;
use crate::service::exports::{self, ExportFormat, ExportKind, ExportParams, Unit};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;

pub(super) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"errors": [{"message": message, "extensions": {"code": code}}]});
    (status, axum::Json(body)).into_response()
}

/// The signed-in user of a file request, or the 401 (or 500) to answer.
pub(super) async fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<crate::domain::access::Actor, Response> {
    match super::graphql::authenticate(state, headers).await {
        Ok(Auth::SignedIn(actor)) => Ok(actor),
        Ok(Auth::Rejected(reason)) => Err(error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", &reason)),
        Ok(Auth::Anonymous) => Err(error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "sign in first: send `Authorization: Bearer <token>`",
        )),
        Err(e) => {
            tracing::error!(error = %e, "file request: authentication failed");
            Err(error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "internal server error",
            ))
        }
    }
}

/// A use case's failure as a file request's answer: 403, 404, 400, or 500.
pub(super) fn failure(e: ServiceError, what: &str) -> Response {
    match e {
        ServiceError::Rejected(faults) => {
            let message = faults.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; ");
            match faults.first().map(|f| f.code) {
                Some(ErrorCode::Forbidden) => error(StatusCode::FORBIDDEN, "FORBIDDEN", &message),
                Some(ErrorCode::NotFound) => error(StatusCode::NOT_FOUND, "NOT_FOUND", &message),
                _ => bad(message),
            }
        }
        e => {
            tracing::error!(error = %e, "{what} failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "internal server error",
            )
        }
    }
}

pub(super) fn bad(message: impl AsRef<str>) -> Response {
    error(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", message.as_ref())
}

fn names<T: async_graphql::resolver_utils::EnumType + Copy>(
    raw: Option<&String>,
    what: &str,
) -> Result<Vec<T>, String> {
    crate::graphql::parse_enum_names(raw.map_or("", String::as_str)).map_err(|m| format!("{what}: {m}"))
}

fn date(query: &HashMap<String, String>, name: &str) -> Result<Option<chrono::NaiveDate>, String> {
    query
        .get(name)
        .map(|d| {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| format!("`{name}` must be a date (YYYY-MM-DD), not `{d}`"))
        })
        .transpose()
}

fn flag(query: &HashMap<String, String>, name: &str) -> Result<Option<bool>, String> {
    query
        .get(name)
        .map(|b| match b.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(format!("`{name}` is true or false, not `{other}`")),
        })
        .transpose()
}

/// The journal's filter, read as `ledgerEntries` reads its `filter` argument.
fn journal_filter(
    query: &HashMap<String, String>,
    year: Option<i32>,
) -> Result<crate::service::journal::JournalFilter, String> {
    use crate::graphql::journal::LedgerEntryFilter;
    let filter = LedgerEntryFilter {
        region_code: query.get("regionCode").cloned(),
        year,
        fund_line: query.get("fundLine").map(|id| async_graphql::ID(id.clone())),
        project: query.get("project").map(|id| async_graphql::ID(id.clone())),
        kind: names(query.get("kind"), "entry kind")?.into_iter().next(),
        date_from: date(query, "dateFrom")?.map(crate::graphql::scalars::Date),
        date_to: date(query, "dateTo")?.map(crate::graphql::scalars::Date),
        document_no: query.get("documentNo").cloned(),
        voucher_no: query.get("voucherNo").cloned(),
        reversed: flag(query, "reversed")?,
        is_reversal: flag(query, "isReversal")?,
        outside_plan: flag(query, "outsidePlan")?,
        recorded_by: query.get("recordedBy").cloned(),
    };
    filter.into_service().map_err(|fault| fault.message)
}

fn params(query: &HashMap<String, String>, kind: ExportKind) -> Result<ExportParams, String> {
    let year = match query.get("year") {
        Some(y) => Some(
            y.parse::<i32>()
                .map_err(|_| format!("`year` must be a year, not `{y}`"))?,
        ),
        None => None,
    };
    let as_of = date(query, "asOf")?;
    let unit = match query.get("unit") {
        Some(u) => Unit::parse(u).ok_or_else(|| format!("`unit` is yuan or wan, not `{u}`"))?,
        None => Unit::default(),
    };
    let journal_order = names::<crate::graphql::journal::LedgerEntryOrder>(query.get("orderBy"), "journal order")?
        .into_iter()
        .next()
        .unwrap_or_default()
        .into();
    let sector = names::<crate::domain::sector::Sector>(query.get("sector"), "sector")?
        .into_iter()
        .next();
    Ok(ExportParams {
        year,
        region_code: query.get("regionCode").cloned(),
        as_of,
        fund_group_by: match kind {
            ExportKind::FundUtilization => names(query.get("groupBy"), "utilization dimension")?,
            _ => Vec::new(),
        },
        progress_group_by: match kind {
            ExportKind::ConstructionProgress => names(query.get("groupBy"), "progress dimension")?,
            _ => Vec::new(),
        },
        project_filter: crate::service::projects::ProjectFilter {
            sector,
            statuses: names(query.get("status"), "project status")?,
            township_code: query.get("townshipCode").cloned(),
            text: query.get("text").cloned(),
            ..Default::default()
        },
        journal_filter: match kind {
            ExportKind::Journal => journal_filter(query, year)?,
            _ => Default::default(),
        },
        journal_order,
        unit,
        quarter: match query.get("quarter") {
            Some(q) => Some(
                q.parse::<u32>()
                    .map_err(|_| format!("`quarter` is 1 to 4, not `{q}`"))?,
            ),
            None => None,
        },
        assessed: names::<crate::domain::assessment::AssessedUnit>(query.get("by"), "assessed unit")?
            .into_iter()
            .next(),
    })
}

pub async fn export(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some((stem, extension)) = file.rsplit_once('.') else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "ask for /exports/<kind>.<xlsx|csv>");
    };
    let (Some(kind), Some(format)) = (ExportKind::parse(stem), ExportFormat::parse(extension)) else {
        return error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "exports are projects, journal, fund-utilization, construction-progress, assessment, exit-register and gap-list, as .xlsx or .csv",
        );
    };
    let actor = match signed_in(&state, &headers).await {
        Ok(actor) => actor,
        Err(refused) => return refused,
    };
    let params = match params(&query, kind) {
        Ok(p) => p,
        Err(message) => return bad(message),
    };
    let table = match exports::build(&state.db, &actor, kind, &params).await {
        Ok(table) => table,
        Err(e) => return failure(e, "export"),
    };
    let bytes = match format {
        ExportFormat::Xlsx => exports::to_xlsx(&table, chrono::Utc::now()),
        ExportFormat::Csv => exports::to_csv(&table),
    };
    match bytes {
        Ok(bytes) => {
            let mut response = (StatusCode::OK, bytes).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
            let disposition = format!("attachment; filename=\"{}.{extension}\"", kind.file_stem());
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "export failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "internal server error",
            )
        }
    }
}
