//! GraphiQL at `/`, with its assets built into the binary (one pinned version: graphiql 4.0.3
//! on React 18.3.1; see `graphiql/LICENSES.txt`), so that it works on an intranet with no way
//! out: the page names no host but the server's own.
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

/// The assets by the file name they are served under (`/graphiql/{name}`). The names carry
/// the version, so a browser may keep them for good.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "react-18.3.1.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("graphiql/react-18.3.1.min.js"),
    ),
    (
        "react-dom-18.3.1.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("graphiql/react-dom-18.3.1.min.js"),
    ),
    (
        "graphiql-4.0.3.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("graphiql/graphiql-4.0.3.min.js"),
    ),
    (
        "graphiql-4.0.3.min.css",
        "text/css; charset=utf-8",
        include_bytes!("graphiql/graphiql-4.0.3.min.css"),
    ),
    (
        "LICENSES.txt",
        "text/plain; charset=utf-8",
        include_bytes!("graphiql/LICENSES.txt"),
    ),
];

/// The routes: the page and its assets.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(page))
        .route("/graphiql/{name}", get(asset))
        // Browsers ask for it; without an answer they log a 404 on every visit.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
}

/// The headers editor starts with this line; the page drops it from requests until a token
/// replaces the placeholder, so that GraphiQL works signed out.
const TOKEN_PLACEHOLDER: &str = "<paste the token from the login mutation>";

const PAGE: &str = r##"<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>扶贫项目与资金台账 — GraphQL</title>
<link rel="stylesheet" href="/graphiql/graphiql-4.0.3.min.css">
<style>body { margin: 0; } #graphiql { height: 100vh; }</style>
</head>
<body>
<div id="graphiql">加载中… Loading…</div>
<script src="/graphiql/react-18.3.1.min.js"></script>
<script src="/graphiql/react-dom-18.3.1.min.js"></script>
<script src="/graphiql/graphiql-4.0.3.min.js"></script>
<script>
  const placeholder = "PLACEHOLDER";
  const base = GraphiQL.createFetcher({ url: "/graphql" });
  // The prefilled Authorization line is sent only once a token has replaced the placeholder.
  function fetcher(params, options) {
    const headers = Object.assign({}, options && options.headers);
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === "authorization" && String(headers[name]).includes(placeholder)) {
        delete headers[name];
      }
    }
    return base(params, Object.assign({}, options, { headers: headers }));
  }
  const defaultQuery = [
    "# 扶贫项目与资金台账 — the poverty-alleviation project and fund tracker",
    "#",
    "# 1. Sign in: run the login mutation below with your username and password.",
    "# 2. Copy its token into the Headers tab below, in place of the placeholder.",
    "# 3. Ask away: the Docs pane (book icon, top left) lists every query and mutation.",
    "",
    "mutation SignIn {",
    "  login(input: { username: \"coordinator\", password: \"…\" }) {",
    "    token",
    "    userErrors { code message }",
    "  }",
    "}",
    "",
    "query Me {",
    "  me { username displayName role region { name } }",
    "}",
    "",
  ].join("\n");
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: JSON.stringify({ Authorization: "Bearer " + placeholder }, null, 2),
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: false,
    }),
  );
</script>
</body>
</html>
"##;

async fn page() -> Html<String> {
    Html(PAGE.replace("PLACEHOLDER", TOKEN_PLACEHOLDER))
}

async fn asset(Path(name): Path<String>) -> Response {
    let Some((_, content_type, bytes)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "no such file").into_response();
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `src` and `href` of the page is a path on this server, and names a file it has.
    #[test]
    fn the_page_references_only_its_own_assets() {
        let page = PAGE.replace("PLACEHOLDER", TOKEN_PLACEHOLDER);
        let mut references = 0;
        for attribute in ["src=\"", "href=\""] {
            for (at, _) in page.match_indices(attribute) {
                let rest = &page[at + attribute.len()..];
                let url = &rest[..rest.find('"').unwrap()];
                let name = url
                    .strip_prefix("/graphiql/")
                    .unwrap_or_else(|| panic!("{url} is not ours"));
                assert!(ASSETS.iter().any(|(n, _, _)| *n == name), "{url}");
                references += 1;
            }
        }
        assert_eq!(references, 4);
        assert!(!page.contains("://"), "a URL with a host");
    }
}
