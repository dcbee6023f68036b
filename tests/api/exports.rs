//! Spreadsheet exports over HTTP: XLSX read back with a reader crate, CSV with its BOM,
//! the same scope as the queries.
use crate::helpers::{TestApp, project_at, spawn_demo_app};
use calamine::{Data, Reader, Xlsx};
use tracker::domain::lifecycle::ProjectStatus;
use tracker::domain::sector::Sector;
use tracker::service::exports::HEADER_ROW;

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
    let h = HEADER_ROW as usize;
    assert_eq!(
        range.height(),
        h + 4,
        "a title block, the headings, two projects and 合计"
    );
    assert_eq!(cell(&range, 0, 0), "示范县2026年项目台账");
    assert!(cell(&range, 1, 0).contains("单位：元"), "{}", cell(&range, 1, 0));
    assert!(cell(&range, 1, 0).contains("制表时间"), "{}", cell(&range, 1, 0));
    assert_eq!(cell(&range, h, 0), "项目编码");
    assert_eq!(cell(&range, h, 1), "项目名称");
    assert_eq!(cell(&range, h, 10), "预算(元)");
    // In code order: 2026-DRINKING_WATER-0001, then 2026-ROAD-0001.
    let road_row = h + 2;
    assert_eq!(cell(&range, road_row, 0), road.code);
    assert_eq!(cell(&range, road_row, 3), "道路");
    assert_eq!(cell(&range, road_row, 4), "城关镇");
    assert_eq!(cell(&range, road_row, 5), "大河村、小河村");
    assert_eq!(
        range.get((road_row, 10)),
        Some(&Data::Float(1_000_000.0)),
        "money is a number"
    );
    assert_eq!(cell(&range, road_row, 12), "在建");
    assert_eq!(range.get((road_row, 2)), Some(&Data::Float(2026.0)));
    assert!(
        matches!(range.get((road_row, 15)), Some(Data::DateTime(_))),
        "dates are dates"
    );
    assert_eq!(cell(&range, h + 1, 12), "已申报");
    // 合计: the budgets and households added up; the year is not.
    let total = h + 3;
    assert_eq!(cell(&range, total, 0), "合计");
    assert_eq!(range.get((total, 10)), Some(&Data::Float(2_000_000.0)));
    assert_eq!(range.get((total, 20)), Some(&Data::Float(100.0)), "50 + 50 households");
    assert_eq!(cell(&range, total, 2), "");

    // In 万元: the same amounts, to the fen, under headings that say so.
    let (_, _, bytes) = download(
        &app,
        Some(&coordinator),
        "/exports/projects.xlsx?year=2026&regionCode=990101000000&unit=wan",
    )
    .await;
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = workbook.worksheet_range("项目台账").unwrap();
    assert_eq!(cell(&range, h, 10), "预算(万元)");
    assert_eq!(range.get((road_row, 10)), Some(&Data::Float(100.0)));
    assert!(cell(&range, 1, 0).contains("单位：万元"));
    let (status, _, _) = download(&app, Some(&coordinator), "/exports/projects.xlsx?unit=jin").await;
    assert_eq!(status, 400);

    // Filters narrow it, as in the query.
    let (_, _, bytes) = download(
        &app,
        Some(&coordinator),
        "/exports/projects.xlsx?year=2026&status=SUBMITTED",
    )
    .await;
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(workbook.worksheet_range("项目台账").unwrap().height(), h + 3);
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
        "资金类型,年计划(元),到位(元),到位率(%),已安排(元),未安排结余(元),已拨付(元),支出进度(%),已安排资金支出进度(%)"
    );
    assert_eq!(
        lines[1],
        "统筹整合涉农资金,2000.00,1746.90,87.35,0.00,1746.90,0.00,0.00,"
    );

    // The same as XLSX: numbers Excel adds up, rates as percentages, a totals row.
    let (_, _, bytes) = download(
        &app,
        Some(&finance),
        "/exports/fund-utilization.xlsx?year=2026&regionCode=990101000000&groupBy=FUND_KIND&asOf=2026-06-30",
    )
    .await;
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = workbook.worksheet_range("资金使用情况").unwrap();
    let h = HEADER_ROW as usize;
    assert_eq!(cell(&range, 0, 0), "示范县2026年资金使用情况");
    assert!(
        cell(&range, 1, 0).starts_with("截至2026-06-30"),
        "{}",
        cell(&range, 1, 0)
    );
    assert_eq!(cell(&range, h, 2), "到位(元)");
    assert_eq!(range.get((h + 1, 2)), Some(&Data::Float(1746.9)));
    assert_eq!(range.get((h + 1, 3)), Some(&Data::Float(87.35)), "the rate as a number");
    assert_eq!(cell(&range, h + 2, 0), "合计");
    assert_eq!(range.get((h + 2, 2)), Some(&Data::Float(1746.9)));
    assert_eq!(cell(&range, h + 2, 3), "", "a rate is not added up");

    let (status, _, bytes) = download(
        &app,
        Some(&finance),
        "/exports/construction-progress.xlsx?year=2026&regionCode=990101000000",
    )
    .await;
    assert_eq!(status, 200);
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        cell(&workbook.worksheet_range("建设进度").unwrap(), HEADER_ROW as usize, 0),
        "行业"
    );
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

/// A workbook's first sheet as text, row by row.
pub fn read_xlsx(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = workbook.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// A workbook's sheet names, in order.
pub fn sheet_names(bytes: &[u8]) -> Vec<String> {
    let workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    workbook.sheet_names()
}
