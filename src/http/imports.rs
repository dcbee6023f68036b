//! `/imports` — the county's spreadsheets in: `GET /imports/templates/{kind}.xlsx` (the
//! template), `POST /imports/{kind}?mode=DRY_RUN|ALL|PARTIAL` with the file as multipart
//! field `file` (the run's report as JSON; `importRun(id)` reads it again), and
//! `GET /imports/{id}/report.xlsx` (the file's rows with what became of each), and
//! `GET /exports/books/{kind}.xlsx?county=` (the county's rows of a kind in the import
//! layout). All need a sign-in; each row is checked as its mutation would be.
use super::AppState;
use super::exports::{bad, error, failure, signed_in};
use crate::domain::import::{Kind, Mode};
use crate::service::imports::{self, Upload, sheets};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;

fn xlsx(file_name: &str, bytes: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// A broken or too large upload: 413 past the limit, else 400.
fn multipart_error(e: axum::extract::multipart::MultipartError, limit: usize) -> Response {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            &format!(
                "the file is larger than {} MB: split it (TRACKER_MAX_IMPORT_BYTES)",
                limit >> 20
            ),
        );
    }
    bad(format!("the upload could not be read: {e}"))
}

fn kinds() -> String {
    Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}

pub async fn template(State(state): State<Arc<AppState>>, headers: HeaderMap, Path(file): Path<String>) -> Response {
    if let Err(refused) = signed_in(&state, &headers).await {
        return refused;
    }
    let Some(kind) = file.strip_suffix(".xlsx").and_then(Kind::parse) else {
        return error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("templates are {}, as .xlsx", kinds()),
        );
    };
    match sheets::template(kind) {
        Ok(bytes) => xlsx(&format!("{}-template.xlsx", kind.as_str()), bytes),
        Err(e) => failure(crate::service::ServiceError::Internal(e), "template"),
    }
}

pub async fn upload(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(kind): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    mut multipart: Multipart,
) -> Response {
    let actor = match signed_in(&state, &headers).await {
        Ok(actor) => actor,
        Err(refused) => return refused,
    };
    let Some(kind) = Kind::parse(&kind) else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", &format!("imports are {}", kinds()));
    };
    let mode = match query.get("mode").map(String::as_str) {
        None => Mode::All,
        Some(raw) => match Mode::parse(raw) {
            Some(mode) => mode,
            None => return bad(format!("`mode` is DRY_RUN, ALL or PARTIAL, not `{raw}`")),
        },
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_string();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes.to_vec())),
                    Err(e) => return multipart_error(e, state.max_import_bytes),
                }
            }
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(e) => return multipart_error(e, state.max_import_bytes),
        }
    }
    let Some((file_name, bytes)) = file else {
        return bad("send the spreadsheet as the multipart field `file`");
    };
    let upload = Upload {
        kind,
        file_name: &file_name,
        bytes: &bytes,
        mode,
    };
    match imports::run(&state.db, &actor, upload, &|_, _| {}).await {
        Ok(run) => match imports::summary(&run) {
            Ok(json) => axum::Json(json).into_response(),
            Err(e) => failure(e, "import"),
        },
        Err(e) => failure(e, "import"),
    }
}

pub async fn report(State(state): State<Arc<AppState>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let actor = match signed_in(&state, &headers).await {
        Ok(actor) => actor,
        Err(refused) => return refused,
    };
    let Some(id) = id.parse::<i64>().ok() else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such import");
    };
    let run = match imports::find(&state.db, &actor, id).await {
        Ok(Some(run)) => run,
        Ok(None) => {
            return error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "no such import of yours or your area",
            );
        }
        Err(e) => return failure(e, "import report"),
    };
    let bytes =
        imports::report_of(&run).and_then(|body| sheets::report(&body).map_err(crate::service::ServiceError::Internal));
    match bytes {
        Ok(bytes) => xlsx(&format!("import-{id}-report.xlsx"), bytes),
        Err(e) => failure(e, "import report"),
    }
}

pub async fn books(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let actor = match signed_in(&state, &headers).await {
        Ok(actor) => actor,
        Err(refused) => return refused,
    };
    let Some(kind) = file.strip_suffix(".xlsx").and_then(Kind::parse) else {
        return error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("the books are exported as {}, as .xlsx", kinds()),
        );
    };
    let county = match imports::books::county_named(&actor, query.get("county").map(String::as_str)) {
        Ok(county) => county,
        Err(e) => return failure(e, "books"),
    };
    let bytes = imports::books::rows(&state.db, &actor, kind, &county)
        .await
        .and_then(|rows| sheets::books(kind, &rows).map_err(crate::service::ServiceError::Internal));
    match bytes {
        Ok(bytes) => xlsx(&format!("{county}-{}.xlsx", kind.as_str()), bytes),
        Err(e) => failure(e, "books"),
    }
}
