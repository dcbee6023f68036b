//! The public portal (公开): server-rendered pages in Chinese, readable on a phone and
//! printable as a notice sheet, with no sign-in and no JavaScript; the same data as JSON
//! and CSV for reporters. What is shown is `service::public` — disclosed facts only.
//!
//! `GET /public` (the counties), `/public/regions/{code}`, `/public/projects/{id}`,
//! `/public/notices/{id}` (the stable address a printed sheet's QR code points at) and
//! `/public/task-lists/{id}`; add `.json` (all but the index) or `.csv` (regions: their
//! projects; projects: their notices; task lists: their items). Every answer carries an
//! `ETag` and may be cached for a minute; each client address gets
//! `TRACKER_PUBLIC_REQUESTS_PER_MINUTE` requests a minute, then 429 with `Retry-After`.
use super::AppState;
use crate::domain::region::{RegionCode, RegionLevel};
use crate::service::ServiceResult;
use crate::service::public::{self as view};
use axum::Router;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::Environment;
use serde::Serialize;
use sha2::Digest;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, LazyLock};

/// The per-client limit: governor's keyed limiter (GCRA), one key per client address.
pub type Limiter = governor::DefaultKeyedRateLimiter<String>;

/// A limiter allowing `per_minute` requests a minute to each client.
pub fn limiter(per_minute: u32) -> Arc<Limiter> {
    let quota = governor::Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN));
    Arc::new(governor::RateLimiter::keyed(quota))
}

/// Past this many client addresses remembered, the limiter forgets the idle ones.
const REMEMBERED_CLIENTS: usize = 10_000;

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    for (name, source) in [
        ("base.html", include_str!("public/base.html")),
        ("index.html", include_str!("public/index.html")),
        ("region.html", include_str!("public/region.html")),
        ("project.html", include_str!("public/project.html")),
        ("notice.html", include_str!("public/notice.html")),
        ("task_list.html", include_str!("public/task_list.html")),
        ("not_found.html", include_str!("public/not_found.html")),
    ] {
        // The templates are compiled into the binary; a broken one fails the suite's tests.
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "public template does not parse");
        }
    }
    env
});

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/public", get(index))
        .route("/public/regions/{file}", get(region))
        .route("/public/projects/{file}", get(project))
        .route("/public/notices/{file}", get(notice))
        .route("/public/task-lists/{file}", get(task_list))
}

/// What a path asks for: the page, or its data.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Html,
    Json,
    Csv,
}

fn split(file: &str) -> (&str, Format) {
    if let Some(key) = file.strip_suffix(".json") {
        (key, Format::Json)
    } else if let Some(key) = file.strip_suffix(".csv") {
        (key, Format::Csv)
    } else {
        (file, Format::Html)
    }
}

fn render(name: &str, context: minijinja::Value) -> Response {
    match TEMPLATES.get_template(name).and_then(|t| t.render(context)) {
        Ok(html) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            html,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(template = name, error = %e, "public page did not render");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面生成失败").into_response()
        }
    }
}

fn not_found(format: Format, message: &str) -> Response {
    let mut response = match format {
        Format::Html => render("not_found.html", minijinja::context! { message }),
        _ => axum::Json(serde_json::json!({"error": message})).into_response(),
    };
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

fn failed(e: crate::service::ServiceError) -> Response {
    tracing::error!(error = %e, "public page failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "暂时无法读取，请稍后再试").into_response()
}

/// Checks the client's allowance: the 429 to answer when it is spent.
fn refused(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> Option<Response> {
    let client = super::client_address(state, headers, peer);
    let limiter = &state.public_limiter;
    if limiter.len() > REMEMBERED_CLIENTS {
        limiter.retain_recent();
    }
    limiter.check_key(&client).err().map(|not_until| {
        crate::telemetry::rate_limited("public_portal");
        let wait = not_until
            .wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()))
            .as_secs()
            .max(1);
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait.to_string())],
            "请求过于频繁，请稍后再试",
        )
            .into_response()
    })
}

/// Adds the `ETag` and cache headers, or answers 304 when the client has this version.
async fn cacheable(headers: &HeaderMap, response: Response) -> Response {
    if !response.status().is_success() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "页面生成失败").into_response();
    };
    let digest = sha2::Sha256::digest(&bytes);
    let tag = format!(
        "\"{}\"",
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>()
    );
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if let Ok(value) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, value);
    }
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        return Response::from_parts(parts, axum::body::Body::empty());
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

fn csv_response(file: &str, rows: Vec<Vec<String>>) -> Response {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        if writer
            .write_record(row.iter().map(|cell| inert(cell).into_owned()))
            .is_err()
        {
            return (StatusCode::INTERNAL_SERVER_ERROR, "CSV 生成失败").into_response();
        }
    }
    let mut body = vec![0xEF, 0xBB, 0xBF];
    body.extend(writer.into_inner().unwrap_or_default());
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        body,
    )
        .into_response()
}

/// A cell a spreadsheet will not run as a formula: text starting `=`, `+`, `@` or `-`
/// (but a negative number) gets a leading apostrophe.
fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = match cell.chars().next() {
        Some('=' | '+' | '@') => true,
        Some('-') => cell.parse::<rust_decimal::Decimal>().is_err(),
        _ => false,
    };
    if risky { format!("'{cell}").into() } else { cell.into() }
}

/// Answers a page in the format asked, through the limit and the cache headers.
async fn answer<T: Serialize>(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    format: Format,
    load: impl Future<Output = ServiceResult<Option<T>>>,
    missing: &str,
    page: impl FnOnce(&T, Format) -> Option<Response>,
) -> Response {
    if let Some(refusal) = refused(state, headers, peer) {
        return refusal;
    }
    let response = match load.await {
        Err(e) => failed(e),
        Ok(None) => not_found(format, missing),
        Ok(Some(data)) => match page(&data, format) {
            Some(response) => response,
            None => match format {
                Format::Json => axum::Json(&data).into_response(),
                _ => not_found(format, "这一页没有 CSV 格式"),
            },
        },
    };
    cacheable(headers, response).await
}

async fn index(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let load = async {
        let counties = entity::region::Entity::find()
            .filter(entity::region::Column::Level.eq(RegionLevel::County.as_str()))
            .order_by_asc(entity::region::Column::Code)
            .all(&state.db)
            .await?;
        let counties: Vec<serde_json::Value> = counties
            .into_iter()
            .map(|c| serde_json::json!({"code": c.code, "name": c.name}))
            .collect();
        Ok(Some(counties))
    };
    answer(&state, &headers, peer, Format::Html, load, "", |counties, _| {
        Some(render("index.html", minijinja::context! { counties }))
    })
    .await
}

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

async fn region(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let (key, format) = split(&file);
    let code = RegionCode::parse(key).ok().filter(|c| c.level() >= RegionLevel::County);
    let Some(code) = code else {
        return not_found(format, "没有这个地区：请使用县、乡镇或村的12位代码");
    };
    let load = view::region_page(&state.db, &code);
    answer(
        &state,
        &headers,
        peer,
        format,
        load,
        "没有这个地区",
        |page, format| match format {
            Format::Html => Some(render("region.html", minijinja::context! { page })),
            Format::Csv => {
                let mut rows = vec![
                    [
                        "项目编号",
                        "项目名称",
                        "行业",
                        "阶段",
                        "预算(元)",
                        "已安排(元)",
                        "已拨付(元)",
                        "实施地点",
                    ]
                    .map(String::from)
                    .to_vec(),
                ];
                for p in &page.projects {
                    let villages: Vec<&str> = p.villages.iter().map(|v| v.name.as_str()).collect();
                    rows.push(vec![
                        p.code.clone(),
                        p.name.clone(),
                        p.sector_name.clone(),
                        p.stage.clone(),
                        p.budget.clone(),
                        p.allocated.clone(),
                        p.disbursed.clone(),
                        villages.join("、"),
                    ]);
                }
                Some(csv_response(&format!("{}.csv", page.region.code), rows))
            }
            Format::Json => None,
        },
    )
    .await
}

fn numeric(key: &str) -> Option<i64> {
    key.parse::<i64>().ok().filter(|n| *n > 0)
}

async fn project(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let (key, format) = split(&file);
    let Some(id) = numeric(key) else {
        return not_found(format, "没有这个项目");
    };
    let load = view::project_page(&state.db, id);
    answer(
        &state,
        &headers,
        peer,
        format,
        load,
        "没有这个项目，或它尚未公示",
        |page, format| match format {
            Format::Html => Some(render("project.html", minijinja::context! { page })),
            Format::Csv => {
                let mut rows = vec![
                    [
                        "公示编号",
                        "标题",
                        "事项",
                        "层级",
                        "地点",
                        "开始",
                        "结束",
                        "天数",
                        "状态",
                    ]
                    .map(String::from)
                    .to_vec(),
                ];
                for n in &page.notices {
                    let n = &n.notice;
                    rows.push(vec![
                        n.id.to_string(),
                        n.title.clone(),
                        n.subject_name.clone(),
                        n.level_name.clone(),
                        n.place.clone(),
                        n.start_date.clone(),
                        n.end_date.clone(),
                        n.days.to_string(),
                        n.status_name.clone(),
                    ]);
                }
                Some(csv_response(&format!("project-{}.csv", page.project.id), rows))
            }
            Format::Json => None,
        },
    )
    .await
}

/// The absolute address of a path (for the QR code): under `TRACKER_PUBLIC_URL`, or as
/// the client reached the server when it is not set.
fn absolute(state: &AppState, headers: &HeaderMap, path: &str) -> String {
    if let Some(base) = &state.public_url {
        return format!("{base}{path}");
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = state
        .trust_proxy
        .then(|| headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()))
        .flatten()
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}{path}")
}

/// The QR code of `url` as inline SVG (no script, no image file).
fn qr_svg(url: &str) -> String {
    qrcode::QrCode::new(url.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(160, 160)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

async fn notice(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let (key, format) = split(&file);
    let Some(id) = numeric(key) else {
        return not_found(format, "没有这份公告");
    };
    let load = view::notice(&state.db, id);
    let url = absolute(&state, &headers, &crate::graphql::disclosure::public_path(id));
    answer(
        &state,
        &headers,
        peer,
        format,
        load,
        "没有这份公告，或它尚未张贴",
        |page, format| match format {
            Format::Html => {
                let qr = qr_svg(&url);
                Some(render("notice.html", minijinja::context! { page, url, qr }))
            }
            _ => None,
        },
    )
    .await
}

async fn task_list(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let (key, format) = split(&file);
    let Some(id) = numeric(key) else {
        return not_found(format, "没有这份三单");
    };
    let load = view::task_list_page(&state.db, id);
    answer(
        &state,
        &headers,
        peer,
        format,
        load,
        "没有这份三单，或它尚未晒单",
        |page, format| match format {
            Format::Html => Some(render("task_list.html", minijinja::context! { page })),
            Format::Csv => {
                let mut rows = vec![["序号", "工作事项", "月度目标", "完成情况"].map(String::from).to_vec()];
                for i in &page.items {
                    rows.push(vec![
                        i.position.to_string(),
                        i.content.clone(),
                        i.planned_result.clone(),
                        i.outcome.clone().unwrap_or_default(),
                    ]);
                }
                Some(csv_response(&format!("task-list-{}.csv", page.list.id), rows))
            }
            Format::Json => None,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_cell_never_runs_as_a_formula() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("+1+1"), "'+1+1");
        assert_eq!(inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(inert("-A1"), "'-A1");
        assert_eq!(inert("-12.50"), "-12.50");
        assert_eq!(inert("道路"), "道路");
    }

    #[test]
    fn every_template_parses() {
        for name in [
            "base.html",
            "index.html",
            "region.html",
            "project.html",
            "notice.html",
            "task_list.html",
            "not_found.html",
        ] {
            assert!(TEMPLATES.get_template(name).is_ok(), "{name}");
        }
    }
}
