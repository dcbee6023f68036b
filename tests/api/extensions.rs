//! The executor shortcuts (`graphql::object`) resolve fields without async-graphql's
//! per-field extension hook. A schema built with an extension must not take them: the
//! extension sees every field of the answer, and the answer is the same as without it.
use crate::helpers::{serve_args, spawn_app};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::{Request, ServerResult, Value};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tracker::graphql::context::{AppData, Auth, RequestContext};
use tracker::graphql::loaders::Loaders;
use tracker::graphql::{Limits, build_schema, build_schema_with_extension};

/// Counts the fields resolved through the extension hook.
#[derive(Clone, Default)]
struct CountFields(Arc<AtomicUsize>);

impl ExtensionFactory for CountFields {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Extension for CountFields {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        self.0.fetch_add(1, Ordering::Relaxed);
        next.run(ctx, info).await
    }
}

/// The fields of an answer: every key of every object in it.
fn fields_in(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Object(map) => map.len() + map.values().map(fields_in).sum::<usize>(),
        serde_json::Value::Array(items) => items.iter().map(fields_in).sum(),
        _ => 0,
    }
}

#[tokio::test]
async fn an_extension_sees_every_field_the_shortcuts_would_resolve_in_place() {
    let app = spawn_app().await;
    tracker::seed::demo::seed(&app.db).await.unwrap();
    let actor = app.actor("coordinator").await;
    let args = serve_args();
    let data = || AppData {
        db: app.db.clone(),
        tokens: tracker::startup::tokens(&args).unwrap(),
        login_throttle: tracker::service::auth::LoginThrottle {
            per_username: 100,
            per_client: 100,
            window: chrono::Duration::minutes(1),
        },
        feed: tracker::service::changes::Feed::start(app.db.clone()),
    };
    let counted = CountFields::default();
    let plain = build_schema(Some(data()), Limits::default());
    let with_extension = build_schema_with_extension(Some(data()), Limits::default(), counted.clone());
    let run = |schema: tracker::graphql::AppSchema, query: String| {
        let request = Request::new(query)
            .data(RequestContext {
                auth: Auth::SignedIn(actor.clone()),
                request_id: "test".into(),
                client_address: "127.0.0.1".into(),
            })
            .data(Loaders::new(&app.db));
        async move {
            let response = schema.execute(request).await;
            assert!(response.errors.is_empty(), "{:?}", response.errors);
            response.data.into_json().unwrap()
        }
    };
    let first = run(plain.clone(), "{ projects(first: 1) { nodes { year } } }".into()).await;
    let year = first["projects"]["nodes"][0]["year"]
        .as_i64()
        .unwrap_or_else(|| panic!("{first}"));
    // A page (connection, lists, nested objects), rollup rows with plain fields, and a
    // region answered from its code: each a shortcut of `graphql::object`'s kind.
    let query = format!(
        r#"{{
          projects(first: 20) {{ totalCount nodes {{ code name township {{ code name }} villages {{ code }}
            department {{ name }} fundSummary {{ allocated disbursed }} events {{ action toStatus }} }} }}
          byKind: fundUtilization(year: {year}, regionCode: "{county}", groupBy: [FUND_KIND]) {{
            fundKind planned inPlace allocated disbursed disbursementRate }}
          byTownship: fundUtilization(year: {year}, regionCode: "{county}", groupBy: [TOWNSHIP]) {{
            township {{ code }} allocated }}
        }}"#,
        county = tracker::seed::demo::COUNTY
    );
    let expected = run(plain, query.clone()).await;
    let answer = run(with_extension, query).await;
    assert_eq!(answer, expected, "the same answer either way");
    assert!(expected["byTownship"].as_array().is_some_and(|rows| !rows.is_empty()));
    assert!(expected["projects"]["nodes"].as_array().is_some_and(|n| n.len() == 20));
    assert_eq!(
        counted.0.load(Ordering::Relaxed),
        fields_in(&json!(answer)),
        "the extension saw every field of the answer"
    );
}
