//! Spreadsheets in, through `POST /imports/{kind}` and `importRun`: GB18030 CSV and XLSX
//! read; each rule's refusal at its row and column; nothing written unless every row passes
//! (or PARTIAL); a second import writes nothing; a changed row is a conflict; the permission
//! table applies; the messy workbook in tests/fixtures.
use crate::helpers::{TestApp, project_at, spawn_demo_app};
use serde_json::{Value, json};
use tracker::domain::lifecycle::ProjectStatus;
use tracker::domain::sector::Sector;

/// Sends `bytes` as the multipart field `file` to `/imports/{kind}?mode=…`.
async fn upload(app: &TestApp, token: &str, kind: &str, mode: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
    let boundary = "tracker-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = app
        .client
        .post(format!("{}/imports/{kind}?mode={mode}", app.address))
        .bearer_auth(token)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn gb18030(text: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(text).0.into_owned()
}

const LINES: &str = "\u{FEFF}资金名称,年度,资金类型,资金级次,计划金额（万元）\n统筹资金,2026,统筹整合涉农资金,中央,1100\n配套资金,2026,县本级配套资金,县级,300.5\n";

async fn in_place(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let reply = app
        .gql(
            Some(token),
            "{ fundLines(first: 50) { nodes { name plannedAmount inPlace } } }",
            json!({}),
        )
        .await;
    reply.ok()["fundLines"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap().to_string(),
                n["inPlace"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn statuses(report: &Value) -> Vec<(i64, String)> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_i64().unwrap(), r["status"].as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test]
async fn receipts_from_a_gb18030_csv_are_checked_row_by_row_and_written_once() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    // The fund lines, from a UTF-8 CSV with a byte-order mark, amounts in 万元.
    let (status, lines) = upload(&app, &finance, "fund-lines", "ALL", "lines.csv", LINES.as_bytes()).await;
    assert_eq!(status, 200, "{lines}");
    assert_eq!(
        (lines["committed"].clone(), lines["rowsWritten"].clone()),
        (json!(true), json!(2)),
        "{lines}"
    );
    let planned = app
        .gql(
            Some(&finance),
            "{ fundLines(first: 5) { nodes { name plannedAmount } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        planned.ok()["fundLines"]["nodes"],
        json!([{"name": "统筹资金", "plannedAmount": "11000000.00"}, {"name": "配套资金", "plannedAmount": "3005000.00"}])
    );

    // Receipts in GB18030, as Chinese Excel saves CSV: a title, a unit note, a blank line,
    // headings in another order, full-width digits, dates as clerks write them.
    let receipts = "示范县2026年资金到位台账\n单位：万元\n\n到位日期,文号,资金名称,年度,到位金额\n\
        2026.3.5,财农〔2026〕1号,统筹资金,２０２６,500\n\
        \n\
        2026年4月1日,财农〔2026〕2号,统筹资金,2026,２５０.５\n\
        2026-04-02,财农〔2026〕3号,没有的资金,2026,1\n\
        2026-04-03,财农〔2026〕4号,统筹资金,2026,1.0000001\n\
        2099-01-01,财农〔2026〕5号,统筹资金,2026,1\n\
        2026-04-04,,统筹资金,2026,1\n";
    let file = gb18030(receipts);
    let (_, dry) = upload(&app, &finance, "receipts", "DRY_RUN", "到位.csv", &file).await;
    assert_eq!(dry["committed"], false);
    assert_eq!(
        statuses(&dry),
        vec![
            (5, "ACCEPTED".into()),
            (7, "ACCEPTED".into()),
            (8, "REFUSED".into()),
            (9, "REFUSED".into()),
            (10, "REFUSED".into()),
            (11, "REFUSED".into()),
        ]
    );
    let errors = errors_of(&dry);
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert_eq!((errors[0].0, errors[0].1.as_str()), (8, "资金名称"));
    assert!(errors[0].2.contains("没有的资金"));
    assert_eq!((errors[1].0, errors[1].1.as_str()), (9, "到位金额"));
    assert!(errors[1].2.contains("fen"));
    assert_eq!((errors[2].0, errors[2].1.as_str()), (10, "到位日期"));
    assert!(errors[2].2.contains("future"));
    assert_eq!((errors[3].0, errors[3].1.as_str()), (11, "文号"));
    let nothing = in_place(&app, &finance).await;
    assert!(nothing.iter().all(|(_, v)| v == "0.00"), "{nothing:?}");

    // ALL: refused rows mean nothing is written.
    let (_, all) = upload(&app, &finance, "receipts", "ALL", "到位.csv", &file).await;
    assert_eq!(
        (all["committed"].clone(), all["rowsWritten"].clone()),
        (json!(false), json!(0))
    );
    assert!(in_place(&app, &finance).await.iter().all(|(_, v)| v == "0.00"));
    // PARTIAL: the two good rows, 500 + 250.5 万元.
    let (_, partial) = upload(&app, &finance, "receipts", "PARTIAL", "到位.csv", &file).await;
    assert_eq!(
        (partial["committed"].clone(), partial["rowsWritten"].clone()),
        (json!(true), json!(2))
    );
    assert!(
        in_place(&app, &finance)
            .await
            .contains(&("统筹资金".into(), "7505000.00".into()))
    );
    // Again: nothing new; the kept run reads the same through GraphQL.
    let (_, again) = upload(&app, &finance, "receipts", "PARTIAL", "到位.csv", &file).await;
    assert_eq!(
        (again["rowsWritten"].clone(), again["rowsUnchanged"].clone()),
        (json!(0), json!(2))
    );
    assert!(
        in_place(&app, &finance)
            .await
            .contains(&("统筹资金".into(), "7505000.00".into()))
    );
    let run = app
        .gql(
            Some(&finance),
            "query($id: ID!) { importRun(id: $id) { kind mode committed rowsUnchanged sha256 rows(status: REFUSED) { line errors { column heading } } } }",
            json!({"id": again["id"]}),
        )
        .await;
    let run = &run.ok()["importRun"];
    assert_eq!(run["kind"], "RECEIPTS");
    assert_eq!(run["rowsUnchanged"], 2);
    assert_eq!(
        run["rows"][0],
        json!({"line": 8, "errors": [{"column": "fundLine", "heading": "资金名称"}]})
    );
    assert_eq!(run["sha256"].as_str().unwrap().len(), 64);

    // A changed row under a 文号 already recorded is a conflict, not an overwrite.
    let changed = gb18030("资金名称,年度,文号,到位金额,到位日期\n统筹资金,2026,财农〔2026〕1号,600,2026-03-05\n");
    let (_, conflict) = upload(&app, &finance, "receipts", "ALL", "改.csv", &changed).await;
    assert_eq!(statuses(&conflict), vec![(2, "CONFLICT".into())]);
    assert!(
        conflict["rows"][0]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("5000000.00 yuan")
    );
    assert!(
        in_place(&app, &finance)
            .await
            .contains(&("统筹资金".into(), "7505000.00".into()))
    );

    // The report as a workbook: the file's rows with their outcome.
    let report = app
        .get_with_token(&format!("/imports/{}/report.xlsx", all["number"]), &finance)
        .await;
    assert_eq!(report.status(), 200);
    let bytes = report.bytes().await.unwrap();
    let sheet = crate::exports::read_xlsx(&bytes);
    assert_eq!(sheet[0].last().unwrap(), "错误");
    assert!(sheet.iter().any(|row| row.iter().any(|c| c.contains("没有的资金"))));

    // Every run is in the audit trail.
    let admin = app.demo_login("admin").await;
    let audit = app
        .gql(
            Some(&admin),
            "{ auditLog(first: 20, filter: {entityType: \"ImportRun\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(audit.ok()["auditLog"]["totalCount"], 6);
}

#[tokio::test]
async fn the_permission_table_applies_to_imports() {
    let app = spawn_demo_app().await;
    let township = app.demo_login("township").await;
    let (status, body) = upload(&app, &township, "fund-lines", "DRY_RUN", "lines.csv", LINES.as_bytes()).await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = upload(
        &app,
        "not-a-token",
        "fund-lines",
        "DRY_RUN",
        "lines.csv",
        LINES.as_bytes(),
    )
    .await;
    assert_eq!(status, 401);
    let finance = app.demo_login("finance").await;
    let (status, _) = upload(&app, &finance, "nonsense", "ALL", "x.csv", b"a,b\n").await;
    assert_eq!(status, 404);
    let (status, _) = upload(&app, &finance, "receipts", "SOMETIMES", "x.csv", b"a,b\n").await;
    assert_eq!(status, 400);
    // A file with no heading row is kept as a run that says why.
    let (status, run) = upload(&app, &finance, "receipts", "ALL", "x.csv", "甲,乙\n1,2\n".as_bytes()).await;
    assert_eq!(status, 200);
    assert!(run["problem"].as_str().unwrap().contains("文号"), "{run}");
    // Another township's clerk cannot read the finance bureau's run.
    let other = app
        .gql(
            Some(&township),
            "query($id: ID!) { importRun(id: $id) { kind } }",
            json!({"id": run["id"]}),
        )
        .await;
    assert_eq!(other.ok()["importRun"], Value::Null);
}

#[tokio::test]
async fn templates_have_headings_instructions_and_examples_that_import() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    for kind in [
        "regions",
        "fund-lines",
        "receipts",
        "allocations",
        "disbursements",
        "progress",
    ] {
        let response = app
            .get_with_token(&format!("/imports/templates/{kind}.xlsx"), &finance)
            .await;
        assert_eq!(response.status(), 200, "{kind}");
        let bytes = response.bytes().await.unwrap();
        let sheets = crate::exports::sheet_names(&bytes);
        assert_eq!(sheets.len(), 2, "{kind}: {sheets:?}");
        assert_eq!(sheets[1], "填写说明");
    }
    assert_eq!(app.get("/imports/templates/receipts.xlsx").await.status(), 401);
    // The fund-lines template's example rows import as they are (a dry run).
    let template = app
        .get_with_token("/imports/templates/fund-lines.xlsx", &finance)
        .await
        .bytes()
        .await
        .unwrap();
    let (_, run) = upload(&app, &finance, "fund-lines", "DRY_RUN", "template.xlsx", &template).await;
    assert_eq!(
        statuses(&run),
        vec![(2, "ACCEPTED".into()), (3, "ACCEPTED".into())],
        "{run}"
    );
}

#[tokio::test]
async fn allocations_and_payments_import_against_the_ledger_in_date_order() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let project = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &["990101001001"],
        10,
    )
    .await;
    upload(&app, &finance, "fund-lines", "ALL", "lines.csv", LINES.as_bytes()).await;
    let receipts = "资金名称,年度,文号,到位金额,到位日期\n统筹资金,2026,财1号,500000,2026-02-01\n";
    let (_, r) = upload(&app, &finance, "receipts", "ALL", "r.csv", receipts.as_bytes()).await;
    assert_eq!(r["rowsWritten"], 1, "{r}");
    // Rows in any order: the payment dated after its allocation is taken after it.
    let allocations = format!(
        "资金名称,年度,项目编码,安排金额,安排日期\n统筹资金,2026,{code},300000.00,2026-03-01\n统筹资金,2026,{code},999999999,2026-03-02\n",
        code = project.code
    );
    let (_, a) = upload(
        &app,
        &finance,
        "allocations",
        "PARTIAL",
        "a.csv",
        allocations.as_bytes(),
    )
    .await;
    assert_eq!(statuses(&a), vec![(2, "ACCEPTED".into()), (3, "REFUSED".into())], "{a}");
    // Above the budget: the file lacks the 超概算 column the rule asks for, and says so.
    assert_eq!(a["rows"][1]["errors"][0]["heading"], "超概算", "{a}");
    let payments = format!(
        "凭证号,资金名称,年度,项目编码,拨付金额,拨付日期\n记-2,统筹资金,2026,{code},50000,2026-03-20\n记-1,统筹资金,2026,{code},100000,2026-03-10\n记-3,统筹资金,2026,{code},999999,2026-03-21\n",
        code = project.code
    );
    let (_, p) = upload(&app, &finance, "disbursements", "PARTIAL", "p.csv", payments.as_bytes()).await;
    assert_eq!(
        statuses(&p),
        vec![(2, "ACCEPTED".into()), (3, "ACCEPTED".into()), (4, "REFUSED".into())],
        "{p}"
    );
    let (_, again) = upload(&app, &finance, "disbursements", "PARTIAL", "p.csv", payments.as_bytes()).await;
    assert_eq!(again["rowsUnchanged"], 2);
    let money = app
        .gql(
            Some(&finance),
            "{ fundLines(first: 5) { nodes { name allocated disbursed } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        money.ok()["fundLines"]["nodes"][0],
        json!({"name": "统筹资金", "allocated": "300000.00", "disbursed": "150000.00"})
    );
}

#[tokio::test]
async fn the_messy_workbook_in_the_fixtures_imports() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    upload(&app, &finance, "fund-lines", "ALL", "lines.csv", LINES.as_bytes()).await;
    // A merged title, 单位：万元 above the table, a blank line, headings in their own order
    // with spaces, an unused 序号 column, dates as text and as a date cell, full-width
    // digits, amounts as numbers and text, a blank row, a 合计 row (see make_messy_workbook.py).
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/messy-receipts.xlsx"
    ))
    .unwrap();
    let (_, run) = upload(&app, &finance, "receipts", "ALL", "messy-receipts.xlsx", &bytes).await;
    assert_eq!(
        statuses(&run),
        vec![(5, "ACCEPTED".into()), (6, "ACCEPTED".into()), (8, "ACCEPTED".into())],
        "{run}"
    );
    assert_eq!(run["committed"], true);
    let money = in_place(&app, &finance).await;
    assert!(money.contains(&("统筹资金".into(), "7505000.00".into())), "{money:?}");
    assert!(money.contains(&("配套资金".into(), "1202500.00".into())), "{money:?}");
    // The date cell read as its day.
    let dates = app
        .gql(
            Some(&finance),
            "{ ledgerEntries(first: 10, filter: {kind: RECEIPT}) { nodes { date documentNo } } }",
            json!({}),
        )
        .await;
    let nodes = dates.ok()["ledgerEntries"]["nodes"].to_string();
    for day in ["2026-03-05", "2026-04-01", "2026-06-18"] {
        assert!(nodes.contains(day), "{day} in {nodes}");
    }
}

#[tokio::test]
async fn a_file_past_the_limit_is_refused_with_413() {
    let mut args = crate::helpers::serve_args();
    args.max_import_bytes = 4096;
    let app = crate::helpers::spawn_app_with(args).await;
    tracker::seed::demo::seed_directory(&app.db).await.unwrap();
    let finance = app.demo_login("finance").await;
    let big = LINES.repeat(100);
    let (status, body) = upload(&app, &finance, "fund-lines", "DRY_RUN", "big.csv", big.as_bytes()).await;
    assert_eq!(status, 413, "{body}");
    assert!(body.to_string().contains("TRACKER_MAX_IMPORT_BYTES"), "{body}");
    // Within it, the same server answers.
    let (status, _) = upload(&app, &finance, "fund-lines", "DRY_RUN", "small.csv", LINES.as_bytes()).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn progress_reports_import_as_the_department_building_the_project() {
    let app = spawn_demo_app().await;
    let project = project_at(
        &app,
        ProjectStatus::UnderConstruction,
        Sector::Road,
        &["990101001001"],
        10,
    )
    .await;
    let code = &project.code;
    let file = format!(
        "项目编码,填报日期,累计完成量,累计完成投资（万元）,备注\n\
         {code},2026-06-30,3.2,65,\n\
         {code},2026.3.31,１.５,30,路基\n\
         {code},2026-01-01,0.5,1,\n\
         {code},2026-07-31,2,70,\n"
    );
    // Not the department's: refused before reading.
    let finance = app.demo_login("finance").await;
    let (status, _) = upload(&app, &finance, "progress", "DRY_RUN", "p.csv", file.as_bytes()).await;
    assert_eq!(status, 403);
    let transport = app.demo_login("transport").await;
    let (_, run) = upload(&app, &transport, "progress", "PARTIAL", "进度.csv", file.as_bytes()).await;
    // Taken in date order: 01-01 is before construction started; 03-31 and 06-30 pass; 07-31
    // lowers the quantity without saying it corrects.
    assert_eq!(
        statuses(&run),
        vec![
            (2, "ACCEPTED".into()),
            (3, "ACCEPTED".into()),
            (4, "REFUSED".into()),
            (5, "REFUSED".into())
        ],
        "{run}"
    );
    assert_eq!(run["rows"][2]["errors"][0]["heading"], "填报日期");
    assert_eq!(run["rows"][3]["errors"][0]["heading"], "累计完成量");
    let reply = app
        .gql(
            Some(&transport),
            "query($id: ID!) { node(id: $id) { ... on Project { latestProgress { reportedOn completedQuantity investedAmount } } } }",
            json!({"id": crate::helpers::project_id(&project)}),
        )
        .await;
    assert_eq!(
        reply.ok()["node"]["latestProgress"],
        json!({"reportedOn": "2026-06-30", "completedQuantity": "3.2", "investedAmount": "650000.00"})
    );
    let (_, again) = upload(&app, &transport, "progress", "PARTIAL", "进度.csv", file.as_bytes()).await;
    assert_eq!(
        (again["rowsUnchanged"].clone(), again["rowsWritten"].clone()),
        (json!(2), json!(0))
    );
}

#[tokio::test]
async fn regions_import_parents_first_and_keep_what_is_there() {
    let app = spawn_demo_app().await;
    let admin = app.demo_login("admin").await;
    // Villages listed before their new township; one bad code; one village already there.
    let file = "区划代码,名称,贫困村,贫困户数,贫困人口\n\
                990101011001,新村一,是,40,130\n\
                990101011002,新村二,否,,\n\
                990101011000,新设镇,,,\n\
                99010101100X,坏代码,,,\n";
    let (_, run) = upload(&app, &admin, "regions", "PARTIAL", "区划.csv", file.as_bytes()).await;
    assert_eq!(
        statuses(&run),
        vec![
            (2, "ACCEPTED".into()),
            (3, "ACCEPTED".into()),
            (4, "ACCEPTED".into()),
            (5, "REFUSED".into())
        ],
        "{run}"
    );
    assert_eq!(run["rows"][3]["errors"][0]["heading"], "区划代码", "{run}");
    let village = app
        .gql(
            Some(&admin),
            "{ region(code: \"990101011001\") { name isPovertyVillage poorHouseholds parent { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        village.ok()["region"],
        json!({"name": "新村一", "isPovertyVillage": true, "poorHouseholds": 40, "parent": {"name": "新设镇"}})
    );
    let (_, again) = upload(&app, &admin, "regions", "PARTIAL", "区划.csv", file.as_bytes()).await;
    assert_eq!(again["rowsUnchanged"], 3, "{again}");
    let renamed = "区划代码,名称\n990101011000,改名镇\n";
    let (_, conflict) = upload(&app, &admin, "regions", "ALL", "改.csv", renamed.as_bytes()).await;
    assert_eq!(statuses(&conflict), vec![(2, "CONFLICT".into())]);
    let finance = app.demo_login("finance").await;
    let (status, _) = upload(&app, &finance, "regions", "DRY_RUN", "区划.csv", file.as_bytes()).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn village_figures_import_for_the_townships_own_villages() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_demo_app().await;
    let poverty_village = |prefix: &'static str| {
        let db = app.db.clone();
        async move {
            entity::region::Entity::find()
                .filter(entity::region::Column::IsPovertyVillage.eq(true))
                .filter(entity::region::Column::Code.starts_with(prefix))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .code
        }
    };
    let mine = poverty_village("990101001").await;
    let theirs = poverty_village("990101002").await;
    let file = format!(
        "村代码,年度,总人口,贫困户数,贫困人口,已脱贫户数,已脱贫人口\n\
         {mine},2026,1250,12,38,9,30\n\
         {theirs},2026,900,10,30,5,15\n\
         {mine},2025,100,50,300,0,0\n"
    );
    let township = app.demo_login("township").await;
    let (_, run) = upload(
        &app,
        &township,
        "village-figures",
        "PARTIAL",
        "村级.csv",
        file.as_bytes(),
    )
    .await;
    assert_eq!(
        statuses(&run),
        vec![(2, "ACCEPTED".into()), (3, "REFUSED".into()), (4, "REFUSED".into())],
        "{run}"
    );
    let stored = entity::village_figures::Entity::find()
        .filter(entity::village_figures::Column::VillageCode.eq(mine.as_str()))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].population, stored[0].exited_people), (1250, 30));
    let (_, again) = upload(
        &app,
        &township,
        "village-figures",
        "PARTIAL",
        "村级.csv",
        file.as_bytes(),
    )
    .await;
    assert_eq!(again["rowsUnchanged"], 1);
    let finance = app.demo_login("finance").await;
    let (status, _) = upload(
        &app,
        &finance,
        "village-figures",
        "DRY_RUN",
        "村级.csv",
        file.as_bytes(),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_exit_register_imports_judgements_by_indicator_name_or_code() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_demo_app().await;
    let village = entity::region::Entity::find()
        .filter(entity::region::Column::IsPovertyVillage.eq(true))
        .filter(entity::region::Column::Code.starts_with("990101001"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .code;
    let file = format!(
        "村代码,指标,是否达标,数值,认定日期,佐证说明\n\
         {village},通硬化路,达标,,2026-06-30,通村路已验收\n\
         {village},WATER,未达标,,2026.6.30,\n\
         {village},贫困发生率,,1.8,2026年6月30日,\n\
         {village},不存在的指标,达标,,2026-06-30,\n"
    );
    let township = app.demo_login("township").await;
    let (_, run) = upload(&app, &township, "exit-register", "PARTIAL", "达标.csv", file.as_bytes()).await;
    assert_eq!(
        statuses(&run),
        vec![
            (2, "ACCEPTED".into()),
            (3, "ACCEPTED".into()),
            (4, "ACCEPTED".into()),
            (5, "REFUSED".into())
        ],
        "{run}"
    );
    assert_eq!(run["rows"][3]["errors"][0]["heading"], "指标");
    let reply = app
        .gql(
            Some(&township),
            "query($v: String!) { exitRegister(regionCode: $v, asOf: \"2026-07-01\") { villages { judgements { indicatorCode state } gaps } } }",
            json!({"v": village}),
        )
        .await;
    let text = reply.body.to_string();
    assert!(text.contains("\"indicatorCode\":\"ROAD\",\"state\":\"MET\""), "{text}");
    assert!(text.contains("POVERTY_INCIDENCE"), "{text}");
    // The water gap opened by the judgement.
    assert!(
        reply.body["data"]["exitRegister"]["villages"][0]["gaps"]
            .to_string()
            .contains("WATER"),
        "{text}"
    );
    let (_, again) = upload(&app, &township, "exit-register", "PARTIAL", "达标.csv", file.as_bytes()).await;
    assert_eq!(again["rowsUnchanged"], 3, "{again}");
}

/// The figures a round trip must keep: money by fund kind and by sector and township,
/// construction by township and department, and the work report, for both years of the
/// demo on three days.
async fn figures(app: &TestApp, token: &str, days: &[chrono::NaiveDate]) -> Value {
    let county = tracker::seed::demo::COUNTY;
    let today = tracker::domain::calendar::today();
    let money =
        "planned inPlace arrivalRate allocated unallocated disbursed disbursementRate allocationDisbursementRate";
    let building = "targetQuantity targetProjectCount completedQuantity quantityRate projectCount startedCount startRate completedCount completionRate";
    let mut all = Vec::new();
    for year in [chrono::Datelike::year(&today) - 1, chrono::Datelike::year(&today)] {
        for day in days {
            let query = format!(
                "query($y: Int!, $r: String!, $d: Date) {{
                  byKind: fundUtilization(year: $y, regionCode: $r, groupBy: [FUND_KIND, FUND_LINE], asOf: $d) {{ fundKind fundLine {{ name }} {money} }}
                  byPlace: fundUtilization(year: $y, regionCode: $r, groupBy: [SECTOR, TOWNSHIP, MONTH], asOf: $d) {{ sector township {{ code }} month {money} }}
                  building: constructionProgress(year: $y, regionCode: $r, groupBy: [TOWNSHIP, DEPARTMENT], asOf: $d) {{ sector township {{ code }} department {{ name }} {building} }}
                  report: progressReport(year: $y, regionCode: $r, asOf: $d) {{ narrative programme {{ {building} }} }}
                }}"
            );
            let reply = app
                .gql(
                    Some(token),
                    &query,
                    json!({"y": year, "r": county, "d": day.to_string()}),
                )
                .await;
            all.push(json!({"year": year, "day": day.to_string(), "figures": reply.ok().clone()}));
        }
    }
    Value::Array(all)
}

/// Exports every kind of the county's books in the import layout.
async fn export_books(app: &TestApp, token: &str, kind: &str) -> Vec<u8> {
    let response = app.get_with_token(&format!("/exports/books/{kind}.xlsx"), token).await;
    assert_eq!(response.status().as_u16(), 200, "{kind}");
    response.bytes().await.unwrap().to_vec()
}

/// The kinds in the order a county brings them in, and who imports each.
const BOOKS: [(&str, &str); 7] = [
    ("fund-lines", "finance"),
    ("projects", "coordinator"),
    ("plan", "coordinator"),
    ("receipts", "finance"),
    ("allocations", "finance"),
    ("disbursements", "finance"),
    ("progress", "coordinator"),
];

#[tokio::test]
async fn the_demo_countys_books_exported_and_imported_into_an_empty_county_give_the_same_figures() {
    let source = crate::helpers::spawn_app().await;
    tracker::seed::demo::seed(&source.db).await.unwrap();
    // The empty county: the same regions, departments and users, no books.
    let target = spawn_demo_app().await;
    let today = tracker::domain::calendar::today();
    let days = [
        today - chrono::Duration::days(300),
        today - chrono::Duration::days(100),
        today,
    ];
    let reader = source.demo_login("coordinator").await;
    let before = figures(&source, &reader, &days).await;
    // The days see different books (else the test would not test the dates).
    let of_year = |i: usize| before[i]["figures"]["byKind"].clone();
    assert_ne!(
        of_year(3),
        of_year(5),
        "this year's money moved between the first and last day"
    );
    assert_ne!(
        before[3]["figures"]["building"], before[5]["figures"]["building"],
        "this year's construction moved"
    );
    let mut files = Vec::new();
    for (kind, user) in BOOKS {
        let bytes = export_books(&source, &reader, kind).await;
        let token = target.demo_login(user).await;
        let (status, run) = upload(&target, &token, kind, "ALL", &format!("{kind}.xlsx"), &bytes).await;
        assert_eq!(status, 200, "{kind}: {run}");
        let refused: Vec<&Value> = run["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] != "ACCEPTED")
            .take(5)
            .collect();
        assert!(refused.is_empty(), "{kind}: {refused:?}");
        assert_eq!(run["committed"], true, "{kind}");
        assert!(run["rowsWritten"].as_i64().unwrap() > 0, "{kind}: {run}");
        files.push((kind, user, bytes));
    }
    let after = figures(&target, &target.demo_login("coordinator").await, &days).await;
    for (b, a) in before.as_array().unwrap().iter().zip(after.as_array().unwrap()) {
        assert_eq!(b, a, "the figures of {} as of {}", b["year"], b["day"]);
    }
    // The same files again: every row is there already, nothing is written.
    for (kind, user, bytes) in files {
        let token = target.demo_login(user).await;
        let (_, run) = upload(&target, &token, kind, "ALL", "again.xlsx", &bytes).await;
        assert_eq!(run["rowsWritten"], 0, "{kind}: {run}");
        assert_eq!(run["rowsUnchanged"], run["rowsTotal"], "{kind}: {run}");
    }
}

/// Each row's errors as (line, heading, message).
fn errors_of(report: &Value) -> Vec<(i64, String, String)> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["errors"].as_array().unwrap().iter().map(move |e| {
                (
                    r["line"].as_i64().unwrap(),
                    e["heading"].as_str().unwrap_or("").to_string(),
                    e["message"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect()
}

const LIBRARY_HEADINGS: &str = "项目编码,项目名称,入库日期,年度,行业,乡镇,实施村,建设性质,建设内容,建设规模,项目预算（万元）,受益人口,绩效目标,计划开工,计划完工,申报日期,申报公示开始,申报公示结束,批复日期,交办日期,责任部门,认领期限,认领日期,开工日期,竣工日期,完成工程量,竣工公告日期,验收日期,验收等级,当前状态";

/// A library row: the record, then the days from 申报 to 验收 as given.
fn library_row(code: &str, name: &str, township: &str, village: &str, steps: &str) -> String {
    format!(
        "{code},{name},2026-01-10,2026,道路,{township},{village},新建,硬化路面,5.2,156,860,新建硬化路:公里:5.2,2026-04-01,2026-09-30,{steps}\n"
    )
}

#[tokio::test]
async fn a_project_library_imports_with_its_history_and_each_refusal_is_at_its_row_and_column() {
    let app = spawn_demo_app().await;
    let coordinator = app.demo_login("coordinator").await;
    let whole = "2026-01-20,2026-02-01,2026-02-12,2026-02-20,2026-02-25,示范县交通运输局,2026-03-10,2026-03-02,2026-04-01,2026-08-28,5.2,2026-09-01,2026-09-15,合格,已验收";
    let mut csv = format!("{LIBRARY_HEADINGS}\n");
    // 2: the whole way, by township and village name.
    csv += &library_row("XL-001", "大河村通村路", "城关镇", "大河村", whole);
    // 3: approved without the application notice the county's rules ask for.
    csv += &library_row(
        "XL-002",
        "小河村通村路",
        "990101001000",
        "990101001002",
        "2026-03-01,,,2026-03-20,,,,,,,,,,,",
    );
    // 4: approved, but the submission's day is missing.
    csv += &library_row(
        "XL-003",
        "新河村通村路",
        "城关镇",
        "新河村",
        ",2026-02-01,2026-02-12,2026-02-20,,,,,,,,,,,",
    );
    // 5: a township the county does not have.
    csv += &library_row("XL-004", "某路", "不存在镇", "大河村", ",,,,,,,,,,,,,,");
    // 6: claimed before it was assigned.
    csv += &library_row(
        "XL-005",
        "老河村通村路",
        "城关镇",
        "老河村",
        "2026-01-20,2026-02-01,2026-02-12,2026-02-20,2026-02-25,示范县交通运输局,2026-03-10,2026-02-22,,,,,,,",
    );
    // 7: assigned to a department that does not build roads.
    csv += &library_row(
        "XL-006",
        "东河村通村路",
        "城关镇",
        "东河村",
        "2026-01-20,2026-02-01,2026-02-12,2026-02-20,2026-02-25,示范县水利局,2026-03-10,,,,,,,,",
    );
    // 8: the dates lead to 已申报, the status says 在建.
    csv += &library_row(
        "XL-007",
        "西河村通村路",
        "城关镇",
        "西河村",
        "2026-01-20,,,,,,,,,,,,,,在建",
    );
    // 9: a village the township does not have.
    csv += &library_row("XL-008", "某村路", "城关镇", "没有村", ",,,,,,,,,,,,,,");
    // 10: the code of row 2 again, for another project.
    csv += "XL-001,另一条路,2026-01-11,2026,道路,城关镇,大河村,新建,路,1,10,10,路:公里:1,2026-04-01,2026-09-30,,,,,,,,,,,,,,,\n";

    // Who may: the poverty office; not a township, not finance.
    for user in ["township", "finance"] {
        let token = app.demo_login(user).await;
        let (status, _) = upload(&app, &token, "projects", "DRY_RUN", "库.csv", csv.as_bytes()).await;
        assert_eq!(status, 403, "{user}");
    }
    let (status, run) = upload(&app, &coordinator, "projects", "PARTIAL", "项目库.csv", csv.as_bytes()).await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(
        statuses(&run),
        vec![
            (2, "ACCEPTED".into()),
            (3, "REFUSED".into()),
            (4, "REFUSED".into()),
            (5, "REFUSED".into()),
            (6, "REFUSED".into()),
            (7, "REFUSED".into()),
            (8, "REFUSED".into()),
            (9, "REFUSED".into()),
            (10, "CONFLICT".into()),
        ],
        "{run}"
    );
    let errors = errors_of(&run);
    let at = |line: i64| errors.iter().find(|e| e.0 == line).cloned().unwrap();
    let expect = [
        (3, "批复日期", "application notice"),
        (4, "申报日期", "批复日期"),
        (5, "乡镇", "不存在镇"),
        (6, "认领日期", "before"),
        (7, "责任部门", "does not handle"),
        (8, "当前状态", "已申报"),
        (9, "实施村", "没有村"),
        (10, "项目编码", "already in the tracker"),
    ];
    for (line, heading, words) in expect {
        let (_, h, message) = at(line);
        assert_eq!(h, heading, "line {line}: {message}");
        assert!(message.contains(words), "line {line}: {message}");
    }

    // Row 2 stands accepted, with its history on its days, each step by the role the
    // lifecycle table names, recorded as imported by the coordinator.
    let reply = app
        .gql(
            Some(&coordinator),
            "{ projects(first: 5) { nodes { code status actualStart actualFinish finalQuantity acceptanceGrade department { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reply.ok()["projects"]["nodes"],
        json!([{"code": "XL-001", "status": "ACCEPTED", "actualStart": "2026-04-01", "actualFinish": "2026-08-28",
                "finalQuantity": "5.2", "acceptanceGrade": "QUALIFIED", "department": {"name": "示范县交通运输局"}}])
    );
    use sea_orm::{EntityTrait, QueryOrder};
    let events = entity::project_event::Entity::find()
        .order_by_asc(entity::project_event::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let steps: Vec<(String, String, String)> = events
        .iter()
        .map(|e| (e.action.clone(), e.actor_role.clone(), e.happened_on.to_string()))
        .collect();
    assert_eq!(
        steps,
        [
            ("CREATE", "TOWNSHIP", "2026-01-10"),
            ("SUBMIT", "TOWNSHIP", "2026-01-20"),
            ("APPROVE", "COORDINATOR", "2026-02-20"),
            ("ASSIGN", "COORDINATOR", "2026-02-25"),
            ("CLAIM", "DEPARTMENT", "2026-03-02"),
            ("START_CONSTRUCTION", "DEPARTMENT", "2026-04-01"),
            ("COMPLETE", "DEPARTMENT", "2026-08-28"),
            ("ACCEPT", "COORDINATOR", "2026-09-15"),
        ]
        .map(|(a, r, d)| (a.to_string(), r.to_string(), d.to_string()))
    );
    assert!(events.iter().all(|e| e.actor_username == "coordinator"));
    assert!(events.iter().skip(1).all(|e| e.comment.as_deref() == Some("导入")));
    // Its notices were posted on their days.
    let notices = app
        .gql(
            Some(&coordinator),
            "{ disclosures(first: 5) { nodes { subject status startDate endDate } } }",
            json!({}),
        )
        .await;
    let mut subjects: Vec<(String, String)> = notices.ok()["disclosures"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["subject"].as_str().unwrap().into(),
                n["startDate"].as_str().unwrap().into(),
            )
        })
        .collect();
    subjects.sort();
    assert_eq!(
        subjects,
        vec![
            ("APPLICATION".into(), "2026-02-01".into()),
            ("COMPLETION".into(), "2026-09-01".into())
        ]
    );

    // The same file again writes nothing: row 2 is there as it says.
    let (_, again) = upload(&app, &coordinator, "projects", "PARTIAL", "项目库.csv", csv.as_bytes()).await;
    assert_eq!(again["rowsWritten"], 0);
    assert_eq!(statuses(&again)[0], (2, "UNCHANGED".into()));

    // Progress entered late: a report of the construction months counts, though the
    // project has been completed since; one dated after completion does not.
    let progress =
        "项目编码,填报日期,累计完成量,累计完成投资\nXL-001,2026-06-30,2.5,700000\nXL-001,2026-09-10,5.2,1500000\n";
    let (_, run) = upload(
        &app,
        &coordinator,
        "progress",
        "PARTIAL",
        "进度.csv",
        progress.as_bytes(),
    )
    .await;
    assert_eq!(
        statuses(&run),
        vec![(2, "ACCEPTED".into()), (3, "REFUSED".into())],
        "{run}"
    );
    let figures = |day: &'static str| {
        let app = &app;
        let token = coordinator.clone();
        async move {
            app.gql(
                Some(&token),
                "query($d: Date) { constructionProgress(year: 2026, regionCode: \"990101000000\", asOf: $d) { sector completedQuantity startedCount completedCount } }",
                json!({"d": day}),
            )
            .await
            .ok()["constructionProgress"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["sector"] == "ROAD")
                .cloned()
                .unwrap()
        }
    };
    assert_eq!(
        figures("2026-07-01").await,
        json!({"sector": "ROAD", "completedQuantity": "2.5", "startedCount": 1, "completedCount": 0})
    );
    assert_eq!(
        figures("2026-09-30").await,
        json!({"sector": "ROAD", "completedQuantity": "5.2", "startedCount": 1, "completedCount": 1})
    );
}

#[tokio::test]
async fn a_plan_imports_version_by_version() {
    let app = spawn_demo_app().await;
    let finance = app.demo_login("finance").await;
    let coordinator = app.demo_login("coordinator").await;
    let (_, lines) = upload(&app, &finance, "fund-lines", "ALL", "lines.csv", LINES.as_bytes()).await;
    assert_eq!(lines["committed"], true);
    let heading = "年度,版本,批复日期,文号,调整原因,资金名称,计划金额,行业,目标工程量,目标项目数,项目编码\n";
    // Version 2 before version 1.
    let early = format!("{heading}2026,2,2026-06-01,示调〔2026〕1号,增加道路,统筹资金,12000000,,,,\n");
    let (_, run) = upload(&app, &coordinator, "plan", "ALL", "plan.csv", early.as_bytes()).await;
    let errors = errors_of(&run);
    assert_eq!((errors[0].0, errors[0].1.as_str()), (2, "版本"), "{run}");
    assert!(errors[0].2.contains("import version 1 first"), "{run}");
    // Finance may not set the plan.
    let (status, _) = upload(&app, &finance, "plan", "ALL", "plan.csv", early.as_bytes()).await;
    assert_eq!(status, 403);
    // Version 1 (a line, a sector's target, a line no one has) refused whole for its bad row;
    // then without it: written and approved; version 2 adjusts it, leaving 配套资金 out.
    let bad = format!(
        "{heading}2026,1,2026-03-01,示政发〔2026〕8号,,统筹资金,11000000,,,,\n2026,1,,,,,,道路,48.5,12,\n2026,1,,,,没有的资金,1,,,,\n"
    );
    let (_, run) = upload(&app, &coordinator, "plan", "PARTIAL", "plan.csv", bad.as_bytes()).await;
    assert_eq!(
        statuses(&run),
        vec![(2, "REFUSED".into()), (3, "REFUSED".into()), (4, "REFUSED".into())]
    );
    assert_eq!(errors_of(&run)[2].1, "资金名称");
    let plan = format!(
        "{heading}2026,1,2026-03-01,示政发〔2026〕8号,,统筹资金,11000000,,,,\n2026,1,,,,配套资金,3000000,,,,\n2026,1,,,,,,道路,48.5,12,\n\
         2026,2,2026-06-01,示调〔2026〕1号,增加道路,统筹资金,12000000,,,,\n2026,2,,,,,,道路,50,13,\n"
    );
    let (_, run) = upload(&app, &coordinator, "plan", "ALL", "plan.csv", plan.as_bytes()).await;
    assert_eq!(run["rowsWritten"], 5, "{run}");
    let read = |day: &'static str| {
        let app = &app;
        let token = coordinator.clone();
        async move {
            app.gql(
                Some(&token),
                "query($d: Date) { fundUtilization(year: 2026, regionCode: \"990101000000\", groupBy: [FUND_LINE], asOf: $d) { fundLine { name } planned } }",
                json!({"d": day}),
            )
            .await
            .ok()["fundUtilization"]
                .clone()
        }
    };
    assert_eq!(
        read("2026-04-01").await,
        json!([{"fundLine": {"name": "统筹资金"}, "planned": "11000000.00"}, {"fundLine": {"name": "配套资金"}, "planned": "3000000.00"}])
    );
    // From version 2 on, 配套资金 is outside the plan: its planned amount is 0.
    assert_eq!(
        read("2026-06-02").await,
        json!([{"fundLine": {"name": "统筹资金"}, "planned": "12000000.00"}, {"fundLine": {"name": "配套资金"}, "planned": "0.00"}])
    );
    let (_, again) = upload(&app, &coordinator, "plan", "ALL", "plan.csv", plan.as_bytes()).await;
    assert_eq!(
        (again["rowsWritten"].clone(), again["rowsUnchanged"].clone()),
        (json!(0), json!(5))
    );
}
