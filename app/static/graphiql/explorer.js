/* casp's GraphQL explorer (schema/explorer.py): GraphiQL 3 with the explorer plugin, against
   the URL this page was served from. Loaded after React, ReactDOM, GraphiQL and the plugin,
   all served by casp itself; no inline script, so the page's CSP can forbid it. */
(function () {
  "use strict";

  var DEFAULT_QUERY = [
    "# casp's GraphQL explorer",
    "#",
    "# Put your API token in the Headers tab below",
    "# (the login mutation answers one):",
    '#   {"Authorization": "Bearer <token>"}',
    "#",
    "# Run with Ctrl-Enter or the play button;",
    "# Ctrl-Space completes.",
    "",
    "{",
    "  me {",
    "    email",
    "    emailVerified",
    "  }",
    "}",
    "",
  ].join("\n");

  var DEFAULT_HEADERS = '{\n  "Authorization": "Bearer <token>"\n}';

  // The endpoint is the page's own URL (so a path prefix added by a proxy is kept);
  // subscriptions use graphql-transport-ws on the same origin.
  var endpoint = window.location.href.split(/[?#]/)[0];
  var socket = new URL(endpoint);
  socket.protocol = socket.protocol === "https:" ? "wss:" : "ws:";

  // ?q=...&variables=... share an operation (never the headers: tokens stay out of URLs
  // and browser history). Not ?query=: GET /graphql?query= runs the query.
  var parameters = new URLSearchParams(window.location.search);

  function remember(name, value) {
    if (value) {
      parameters.set(name, value);
    } else {
      parameters.delete(name);
    }
    var search = parameters.toString();
    window.history.replaceState(null, "", search ? "?" + search : window.location.pathname);
  }

  var fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: socket.toString() });

  function Explorer() {
    var explorer = React.useMemo(function () {
      return GraphiQLPluginExplorer.explorerPlugin();
    }, []);
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      defaultQuery: DEFAULT_QUERY,
      query: parameters.get("q") || undefined,
      variables: parameters.get("variables") || undefined,
      defaultHeaders: DEFAULT_HEADERS,
      isHeadersEditorEnabled: true,
      // The token is not kept in localStorage: a reload asks for it again.
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: "headers",
      inputValueDeprecation: true,
      onEditQuery: function (value) {
        remember("q", value);
      },
      onEditVariables: function (value) {
        remember("variables", value);
      },
    });
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(Explorer));
})();
