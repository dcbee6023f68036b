//! Spreadsheet exports over HTTP: XLSX read back with a reader crate, CSV with its BOM,
//! the same scope as the queries.
use crate::helpers::{TestApp, project_at, spawn_demo_app};
use calamine::{Data, Reader, Xlsx};
use tracker::domain::lifecycle::ProjectStatus;
use tracker::domain::sector::Sector;

async fn download(app: &TestApp, token: Option<&str>, path: &str) -> (u16, Option<String>, Vec<u8>) {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    (status, content_type, response.bytes().await.unwrap().to_vec())
}

fn cell(range: &calamine::Range<Data>, row: usize, col: usize) -> String {
    match range.get((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Int(i)) => i.to_string(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

#[tokio::test]
async fn the_project_ledger_opens_in_excel_with_chinese_headers() {
    let app = spawn_demo_app().await;
    let road = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &["990101001001", "990101001002"],
        0,
    )
    .await;
    project_at(
        &app,
        ProjectStatus::Submitted,
        Sector::DrinkingWater,
        &["990101001003"],
        0,
    )
    .await;
    let coordinator = app.demo_login("coordinator").await;
    let (status, content_type, bytes) = download(
        &app,
        Some(&coordinator),
        "/exports/projects.xlsx?year=2026&regionCode=990101000000",
    )
    .await;
    assert_eq!(status, 200);
    assert!(content_type.unwrap().contains("spreadsheetml"));
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = workbook.worksheet_range("项目台账").unwrap();
    assert_eq!(range.height(), 3, "a header and two projects");
    assert_eq!(cell(&range, 0, 0), "项目编码");
    assert_eq!(cell(&range, 0, 1), "项目名称");
    assert_eq!(cell(&range, 0, 10), "预算(元)");
    // In code order: 2026-DRINKING_WATER-0001, then 2026-ROAD-0001.
    assert_eq!(cell(&range, 2, 0), road.code);
    assert_eq!(cell(&range, 2, 3), "道路");
    assert_eq!(cell(&range, 2, 4), "城关镇");
    assert_eq!(cell(&range, 2, 5), "大河村、小河村");
    assert_eq!(cell(&range, 2, 10), "1000000.00", "money is exact text");
    assert_eq!(cell(&range, 2, 12), "在建");
    assert_eq!(cell(&range, 2, 2), "2026");
    assert_eq!(cell(&range, 1, 12), "已申报");

    // Filters narrow it, as in the query.
    let (_, _, bytes) = download(
        &app,
        Some(&coordinator),
        "/exports/projects.xlsx?year=2026&status=SUBMITTED",
    )
    .await;
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(workbook.worksheet_range("项目台账").unwrap().height(), 2);
}

#[tokio::test]
async fn csv_has_a_bom_and_the_same_figures_as_the_query() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let reply = app
        .gql(
            Some(&finance),
            "mutation { fundLineCreate(input: {countyCode: \"990101000000\", year: 2026, name: \"整合资金\", kind: INTEGRATED_AGRICULTURAL, level: CENTRAL, plannedAmount: \"2000.00\"}) { fundLine { id } } }",
            serde_json::json!({}),
        )
        .await;
    let line = reply.ok()["fundLineCreate"]["fundLine"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.gql(
        Some(&finance),
        "mutation($l: ID!) { fundReceiptRecord(input: {fundLine: $l, amount: \"1746.90\", date: \"2026-03-01\", documentNo: \"x\"}) { userErrors { code } } }",
        serde_json::json!({"l": line}),
    )
    .await;
    let (status, content_type, bytes) = download(
        &app,
        Some(&finance),
        "/exports/fund-utilization.csv?year=2026&regionCode=990101000000&groupBy=FUND_KIND",
    )
    .await;
    assert_eq!(status, 200);
    assert!(content_type.unwrap().starts_with("text/csv"));
    assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF], "UTF-8 byte-order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "资金类型,年计划(元),到位(元),到位率(%),已安排(元),未安排结余(元),已拨付(元),支出进度(%)"
    );
    assert_eq!(
        lines[1],
        "统筹整合涉农资金,2000.00,1746.90,87.35,0.00,1746.90,0.00,0.00"
    );

    let (status, _, bytes) = download(
        &app,
        Some(&finance),
        "/exports/construction-progress.xlsx?year=2026&regionCode=990101000000",
    )
    .await;
    assert_eq!(status, 200);
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(cell(&workbook.worksheet_range("建设进度").unwrap(), 0, 0), "行业");
}

#[tokio::test]
async fn exports_need_a_sign_in_and_stay_in_scope() {
    let app = spawn_demo_app().await;
    let township = app.demo_login("township").await;
    let (status, _, body) = download(&app, None, "/exports/projects.csv").await;
    assert_eq!(status, 401);
    assert!(String::from_utf8_lossy(&body).contains("UNAUTHENTICATED"));
    let (status, _, body) = download(
        &app,
        Some(&township),
        "/exports/fund-utilization.xlsx?year=2026&regionCode=990101000000",
    )
    .await;
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("FORBIDDEN"));
    let (status, _, _) = download(&app, Some(&township), "/exports/projects.xlsx?regionCode=990101002000").await;
    assert_eq!(status, 403, "another township");
    let (status, _, _) = download(&app, Some(&township), "/exports/projects.xlsx?regionCode=990101001000").await;
    assert_eq!(status, 200, "its own township");
    let (status, _, body) = download(
        &app,
        Some(&township),
        "/exports/fund-utilization.csv?regionCode=990101001000",
    )
    .await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("year"));
    let (status, _, body) = download(
        &app,
        Some(&township),
        "/exports/fund-utilization.csv?year=2026&regionCode=990101001000&groupBy=COLOUR",
    )
    .await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("COLOUR"));
    let (status, _, _) = download(&app, Some(&township), "/exports/salaries.xlsx").await;
    assert_eq!(status, 404);
}
