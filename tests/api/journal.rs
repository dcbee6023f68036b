//! The journal (资金台账) through the HTTP API: every filter against an independent
//! selection of a known ledger, both orders paged by cursor, reversals both ways, a fund
//! line's receipts / allocations / disbursements, who may read it, and its spreadsheet,
//! whose money column adds up in Excel to the API's figure.
use crate::helpers::{TestApp, project_at, project_id, spawn_demo_app};
use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tracker::domain::funds::{FundKind, FundLevel};
use tracker::domain::lifecycle::ProjectStatus;
use tracker::domain::sector::Sector;
use tracker::service::funds::{self, AllocationInput, DisbursementInput, FundLineInput, ReceiptInput};

const COUNTY: &str = "990101000000";

/// One entry of the fixture as the test knows it, to select from independently.
#[derive(Clone, Debug)]
struct Known {
    id: String,
    line: &'static str,
    project: Option<&'static str>,
    kind: &'static str,
    date: &'static str,
    fen: i64,
    number: &'static str,
    recorded_by: &'static str,
    reverses: Option<usize>,
}

struct Ledger {
    app: TestApp,
    entries: Vec<Known>,
    lines: [(String, &'static str); 2],
    projects: [(String, &'static str); 2],
}

fn gid(kind: &str, id: i64) -> String {
    tracker::graphql::node::global_id(kind, id).0
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn yuan(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

/// Two lines, two projects in two villages, receipts, allocations, payments by two
/// clerks, and a reversal — all back-dated, recorded out of date order.
async fn ledger() -> Ledger {
    let app = spawn_demo_app().await;
    let finance = app.actor("finance").await;
    let admin = app.actor("admin").await;
    let a = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &["990101001001"],
        0,
    )
    .await;
    let b = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::DrinkingWater,
        &["990101001003"],
        5,
    )
    .await;
    let line = |name: &str, kind| FundLineInput {
        county_code: COUNTY.into(),
        year: 2026,
        name: name.into(),
        kind,
        level: FundLevel::Central,
        planned: Decimal::new(200_000, 0),
        poverty_targeted: None,
    };
    let l1 = funds::create_line(&app.db, &finance, line("整合资金", FundKind::IntegratedAgricultural))
        .await
        .unwrap();
    let l2 = funds::create_line(&app.db, &finance, line("配套资金", FundKind::CountyMatching))
        .await
        .unwrap();
    let receipt = |line: i64, fen: i64, date: &str, no: &str| ReceiptInput {
        fund_line_id: line,
        amount: yuan(fen),
        date: day(date),
        document_no: no.into(),
        note: None,
        confirm_duplicate: false,
    };
    let allocation = |line: i64, project: i64, fen: i64, date: &str| AllocationInput {
        fund_line_id: line,
        project_id: project,
        amount: yuan(fen),
        date: day(date),
        note: None,
        confirm_above_budget: false,
        outside_plan: false,
    };
    let payment = |allocation: i64, fen: i64, date: &str, no: &str| DisbursementInput {
        allocation_id: allocation,
        amount: yuan(fen),
        date: day(date),
        voucher_no: no.into(),
        is_retention: false,
        early_release_reason: None,
        note: None,
        confirm_duplicate: false,
    };
    // Recorded in this order; dated otherwise.
    let r2 = funds::record_receipt(
        &app.db,
        &finance,
        receipt(l2.id, 5_000_000, "2026-02-01", "县财〔2026〕7号"),
    )
    .await
    .unwrap();
    let r1 = funds::record_receipt(
        &app.db,
        &finance,
        receipt(l1.id, 10_000_000, "2026-01-10", "示财〔2026〕1号"),
    )
    .await
    .unwrap();
    let a1 = funds::allocate(&app.db, &finance, allocation(l1.id, a.id, 6_000_000, "2026-02-10"))
        .await
        .unwrap();
    let a2 = funds::allocate(&app.db, &finance, allocation(l2.id, b.id, 2_000_000, "2026-03-01"))
        .await
        .unwrap();
    let d3 = funds::disburse(&app.db, &admin, payment(a2.id, 800_000, "2026-04-01", "记-0003"))
        .await
        .unwrap();
    let d1 = funds::disburse(&app.db, &finance, payment(a1.id, 1_000_000, "2026-03-05", "记-0001"))
        .await
        .unwrap();
    let d2 = funds::disburse(&app.db, &finance, payment(a1.id, 500_000, "2026-03-06", "记-0002"))
        .await
        .unwrap();
    let x = funds::reverse(
        &app.db,
        &finance,
        d2.id,
        Some("凭证录入错误".into()),
        Some(day("2026-03-07")),
    )
    .await
    .unwrap();
    let known = |e: &entity::ledger_entry::Model,
                 line: &'static str,
                 project: Option<&'static str>,
                 kind: &'static str,
                 date: &'static str,
                 number: &'static str,
                 recorded_by: &'static str,
                 reverses: Option<usize>| Known {
        id: gid("LedgerEntry", e.id),
        line,
        project,
        kind,
        date,
        fen: e.amount_fen,
        number,
        recorded_by,
        reverses,
    };
    let entries = vec![
        known(
            &r1,
            "L1",
            None,
            "RECEIPT",
            "2026-01-10",
            "示财〔2026〕1号",
            "finance",
            None,
        ),
        known(
            &r2,
            "L2",
            None,
            "RECEIPT",
            "2026-02-01",
            "县财〔2026〕7号",
            "finance",
            None,
        ),
        known(&a1, "L1", Some("A"), "ALLOCATION", "2026-02-10", "", "finance", None),
        known(&a2, "L2", Some("B"), "ALLOCATION", "2026-03-01", "", "finance", None),
        known(
            &d1,
            "L1",
            Some("A"),
            "DISBURSEMENT",
            "2026-03-05",
            "记-0001",
            "finance",
            None,
        ),
        known(
            &d2,
            "L1",
            Some("A"),
            "DISBURSEMENT",
            "2026-03-06",
            "记-0002",
            "finance",
            None,
        ),
        known(
            &x,
            "L1",
            Some("A"),
            "DISBURSEMENT",
            "2026-03-07",
            "记-0002",
            "finance",
            Some(5),
        ),
        known(
            &d3,
            "L2",
            Some("B"),
            "DISBURSEMENT",
            "2026-04-01",
            "记-0003",
            "admin",
            None,
        ),
    ];
    Ledger {
        app,
        entries,
        lines: [(gid("FundLine", l1.id), "L1"), (gid("FundLine", l2.id), "L2")],
        projects: [(project_id(&a), "A"), (project_id(&b), "B")],
    }
}

const JOURNAL: &str = "query($f: LedgerEntryFilter, $o: LedgerEntryOrder, $n: Int, $after: String) { ledgerEntries(filter: $f, orderBy: $o, first: $n, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id kind amount date documentNo voucherNo recordedBy reverses { id } reversedBy { id } } } }";

/// Every id of the journal under `filter` and `order`, read page by page (`n` at a time).
async fn read_all(app: &TestApp, token: &str, filter: Value, order: &str, n: i32) -> (Vec<String>, Vec<Value>) {
    let mut after = Value::Null;
    let mut ids = Vec::new();
    let mut nodes = Vec::new();
    loop {
        let reply = app
            .gql(
                Some(token),
                JOURNAL,
                json!({"f": filter, "o": order, "n": n, "after": after}),
            )
            .await;
        let page = &reply.ok()["ledgerEntries"];
        for node in page["nodes"].as_array().unwrap() {
            ids.push(node["id"].as_str().unwrap().to_string());
            nodes.push(node.clone());
        }
        assert!(page["totalCount"].as_u64().unwrap() as usize >= ids.len());
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            assert_eq!(page["totalCount"].as_u64().unwrap() as usize, ids.len(), "{filter}");
            return (ids, nodes);
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// The fixture's entries that `keep` selects, in date order (ties as recorded, which for
/// this fixture is the order of `entries` within a day).
fn expected(ledger: &Ledger, keep: impl Fn(usize, &Known) -> bool, descending: bool) -> Vec<String> {
    let mut chosen: Vec<&Known> = ledger
        .entries
        .iter()
        .enumerate()
        .filter(|(i, k)| keep(*i, k))
        .map(|(_, k)| k)
        .collect();
    chosen.sort_by_key(|k| k.date);
    if descending {
        chosen.reverse();
    }
    chosen.into_iter().map(|k| k.id.clone()).collect()
}

#[tokio::test]
async fn every_filter_selects_what_an_independent_reading_of_the_ledger_selects() {
    let ledger = ledger().await;
    let app = &ledger.app;
    let finance = app.demo_login("finance").await;
    let line = |name: &str| ledger.lines.iter().find(|(_, n)| *n == name).unwrap().0.clone();
    let project = |name: &str| ledger.projects.iter().find(|(_, n)| *n == name).unwrap().0.clone();
    let reversed = |i: usize| ledger.entries.iter().any(|k| k.reverses == Some(i));
    type Keep<'a> = Box<dyn Fn(usize, &Known) -> bool + 'a>;
    let cases: Vec<(Value, Keep)> = vec![
        (json!({}), Box::new(|_, _| true)),
        (json!({"regionCode": COUNTY, "year": 2026}), Box::new(|_, _| true)),
        (json!({"year": 2027}), Box::new(|_, _| false)),
        (json!({"fundLine": line("L1")}), Box::new(|_, k| k.line == "L1")),
        (
            json!({"project": project("B")}),
            Box::new(|_, k| k.project == Some("B")),
        ),
        (
            json!({"kind": "DISBURSEMENT"}),
            Box::new(|_, k| k.kind == "DISBURSEMENT"),
        ),
        (
            json!({"dateFrom": "2026-03-01", "dateTo": "2026-03-06"}),
            Box::new(|_, k| ("2026-03-01"..="2026-03-06").contains(&k.date)),
        ),
        (
            json!({"documentNo": "县财"}),
            Box::new(|_, k| k.kind == "RECEIPT" && k.number.contains("县财")),
        ),
        (
            json!({"voucherNo": "0002"}),
            Box::new(|_, k| k.kind == "DISBURSEMENT" && k.number.contains("0002")),
        ),
        // `_` and `%` match themselves, not any character.
        (
            json!({"voucherNo": "记-000_"}),
            Box::new(|_, k| k.kind == "DISBURSEMENT" && k.number.contains("记-000_")),
        ),
        (json!({"reversed": true}), Box::new(|i, _| reversed(i))),
        (json!({"reversed": false}), Box::new(|i, _| !reversed(i))),
        (json!({"isReversal": true}), Box::new(|_, k| k.reverses.is_some())),
        (
            json!({"recordedBy": "admin"}),
            Box::new(|_, k| k.recorded_by == "admin"),
        ),
        // A township: its projects' entries; a village: its projects'.
        (
            json!({"regionCode": "990101001000"}),
            Box::new(|_, k| k.project.is_some()),
        ),
        (
            json!({"regionCode": "990101001003"}),
            Box::new(|_, k| k.project == Some("B")),
        ),
        (
            json!({"regionCode": "990101001001"}),
            Box::new(|_, k| k.project == Some("A")),
        ),
        (
            json!({"fundLine": line("L1"), "kind": "DISBURSEMENT", "isReversal": false, "dateTo": "2026-03-05"}),
            Box::new(|_, k| {
                k.line == "L1" && k.kind == "DISBURSEMENT" && k.reverses.is_none() && k.date <= "2026-03-05"
            }),
        ),
    ];
    for (filter, keep) in &cases {
        for (order, descending) in [("DATE_ASC", false), ("DATE_DESC", true)] {
            let (ids, _) = read_all(app, &finance, filter.clone(), order, 3).await;
            assert_eq!(ids, expected(&ledger, keep, descending), "{filter} {order}");
        }
    }

    // Each entry as recorded: kind, day, exact amount.
    let (_, all) = read_all(app, &finance, json!({}), "DATE_ASC", 100).await;
    for k in &ledger.entries {
        let node = all.iter().find(|n| n["id"] == json!(k.id)).unwrap();
        assert_eq!(
            (&node["kind"], &node["date"], &node["amount"]),
            (&json!(k.kind), &json!(k.date), &json!(yuan(k.fen).to_string()))
        );
    }

    // Each entry shows its reversal, and the reversal what it reverses.
    let (_, nodes) = read_all(
        app,
        &finance,
        json!({"fundLine": line("L1"), "kind": "DISBURSEMENT"}),
        "DATE_ASC",
        100,
    )
    .await;
    let (d1, d2, x) = (&ledger.entries[4].id, &ledger.entries[5].id, &ledger.entries[6].id);
    let node = |id: &String| nodes.iter().find(|n| n["id"] == json!(id)).unwrap().clone();
    assert_eq!(node(d2)["reversedBy"]["id"], json!(x));
    assert_eq!(node(x)["reverses"]["id"], json!(d2));
    assert_eq!(node(x)["amount"], json!("-5000.00"));
    assert_eq!(node(x)["voucherNo"], json!("记-0002"));
    assert_eq!(node(d1)["reversedBy"], Value::Null);
    assert_eq!(node(x)["reversedBy"], Value::Null);

    // Bad input is refused in the user's terms.
    for (filter, words) in [
        (json!({"dateFrom": "2026-04-01", "dateTo": "2026-03-01"}), "dateTo"),
        (json!({"fundLine": project("A")}), "FundLine"),
        (json!({"regionCode": "12"}), "12"),
    ] {
        let reply = app.gql(Some(&finance), JOURNAL, json!({"f": filter})).await;
        assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"), "{}", reply.body);
        assert!(reply.error_message().contains(words), "{}", reply.body);
    }
    let reply = app
        .gql(Some(&finance), JOURNAL, json!({"after": "bm90LWEtY3Vyc29y"}))
        .await;
    assert_eq!(reply.error_code(), Some("BAD_USER_INPUT"), "{}", reply.body);
}

#[tokio::test]
async fn a_fund_line_lists_its_receipts_allocations_and_disbursements_and_readers_stay_in_their_area() {
    let ledger = ledger().await;
    let app = &ledger.app;
    let query = "query($id: ID!) { node(id: $id) { ... on FundLine { disbursed receipts { totalCount nodes { documentNo amount } } allocations { totalCount nodes { project { id } } } disbursements(first: 2) { totalCount pageInfo { hasNextPage } nodes { voucherNo date } } } } }";
    let l1 = &ledger.lines[0].0;
    for reader in ["finance", "coordinator", "inspector", "admin"] {
        let token = app.demo_login(reader).await;
        let line = app.gql(Some(&token), query, json!({"id": l1})).await.ok()["node"].clone();
        assert_eq!(line["receipts"]["totalCount"], json!(1), "{reader}");
        assert_eq!(line["receipts"]["nodes"][0]["documentNo"], json!("示财〔2026〕1号"));
        assert_eq!(
            line["allocations"]["nodes"][0]["project"]["id"],
            json!(ledger.projects[0].0)
        );
        assert_eq!(line["disbursements"]["totalCount"], json!(3));
        assert_eq!(line["disbursements"]["pageInfo"]["hasNextPage"], json!(true));
        assert_eq!(
            line["disbursements"]["nodes"],
            json!([{"voucherNo": "记-0001", "date": "2026-03-05"}, {"voucherNo": "记-0002", "date": "2026-03-06"}])
        );
        let reply = app.gql(Some(&token), JOURNAL, json!({})).await;
        assert_eq!(reply.ok()["ledgerEntries"]["totalCount"], json!(8), "{reader}");
    }
    // Those who do not keep or check the books do not list them, nor a line's entries.
    for outsider in ["township", "transport"] {
        let token = app.demo_login(outsider).await;
        let reply = app.gql(Some(&token), JOURNAL, json!({})).await;
        assert_eq!(reply.error_code(), Some("FORBIDDEN"), "{outsider}: {}", reply.body);
        assert!(reply.error_message().contains("FINANCE"), "{}", reply.body);
    }
    // Another county's region is outside the finance clerk's area.
    let finance = app.demo_login("finance").await;
    let reply = app
        .gql(Some(&finance), JOURNAL, json!({"f": {"regionCode": "980101000000"}}))
        .await;
    assert_eq!(reply.error_code(), Some("FORBIDDEN"), "{}", reply.body);
}

fn float(range: &calamine::Range<Data>, row: usize, col: usize) -> f64 {
    match range.get((row, col)) {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("({row}, {col}) is not a number: {other:?}"),
    }
}

fn fen_of(yuan: &Value) -> i64 {
    let d: Decimal = yuan.as_str().unwrap().parse().unwrap();
    (d * Decimal::new(100, 0)).try_into().unwrap()
}

#[tokio::test]
async fn the_journal_spreadsheet_takes_the_same_filter_and_its_money_adds_up_in_excel() {
    let ledger = ledger().await;
    let app = &ledger.app;
    let finance = app.demo_login("finance").await;
    let l1 = &ledger.lines[0].0;
    let path = format!("/exports/journal.xlsx?fundLine={l1}&kind=DISBURSEMENT&year=2026");
    let response = app.get_with_token(&path, &finance).await;
    assert_eq!(response.status().as_u16(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = workbook.worksheet_range("资金台账").unwrap();
    let header = tracker::service::exports::HEADER_ROW as usize;
    let headers: Vec<String> = (0..range.width())
        .map(|c| range.get((header, c)).map(|d| d.to_string()).unwrap_or_default())
        .collect();
    let amount = headers.iter().position(|h| h == "金额(元)").expect("an amount column");
    let date = headers.iter().position(|h| h == "日期").unwrap();
    assert!(range.get((0, 0)).unwrap().to_string().contains("示范县2026年资金台账"));
    assert!(range.get((1, 0)).unwrap().to_string().contains("单位：元"));
    // Three entries, then the totals row.
    let rows: Vec<usize> = (header + 1..header + 4).collect();
    assert_eq!(range.height(), header + 5, "headings, 3 entries, 合计");
    assert!(
        matches!(range.get((rows[0], date)), Some(Data::DateTime(_))),
        "dates are dates"
    );
    // Excel's SUM over the money column, read back as fen, is the line's disbursed figure.
    let sum: f64 = rows.iter().map(|r| float(&range, *r, amount)).sum();
    let line = app
        .gql(
            Some(&finance),
            "query($id: ID!) { node(id: $id) { ... on FundLine { disbursed } } }",
            json!({"id": l1}),
        )
        .await;
    let disbursed = fen_of(&line.ok()["node"]["disbursed"]);
    assert_eq!((sum * 100.0).round() as i64, disbursed);
    assert_eq!(disbursed, 1_000_000, "10000.00 paid, 5000.00 paid and reversed");
    assert_eq!(
        (float(&range, header + 4, amount) * 100.0).round() as i64,
        disbursed,
        "合计"
    );

    // CSV: the same rows as the query, exact text, in 万元 when asked.
    let path = "/exports/journal.csv?voucherNo=0002&unit=wan&orderBy=DATE_DESC";
    let response = app.get_with_token(path, &finance).await;
    assert_eq!(response.status().as_u16(), 200);
    let text = String::from_utf8(response.bytes().await.unwrap()[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("金额(万元)"), "{}", lines[0]);
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[1].contains("2026-03-07") && lines[1].contains("-0.500000"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("2026-03-06") && lines[2].contains("0.500000"),
        "{}",
        lines[2]
    );

    // Its filter is checked like the query's, and so is who may read it.
    let response = app
        .get_with_token("/exports/journal.csv?reversed=maybe", &finance)
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let township = app.demo_login("township").await;
    let response = app.get_with_token("/exports/journal.xlsx", &township).await;
    assert_eq!(response.status().as_u16(), 403);
}
