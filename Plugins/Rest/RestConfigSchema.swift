/// The JSON Schema of the REST extractor's config, published in its descriptor.
enum RestConfigSchema {
    static let text = #"""
    {
      "type": "object",
      "additionalProperties": false,
      "required": ["base_url", "resources"],
      "$defs": {
        "paginator": {
          "description": "How pages follow one another. A type name, or an object with \"type\": none (one request); link_header (the Link header's rel=\"next\" URL); next_url (a URL in the answer at \"path\"); cursor (a value in the answer at \"path\", sent back as query parameter \"param\", or as a member of a POST body with \"in\": \"body\"); offset (\"offset_param\" and \"limit_param\" with \"limit\" records a page from \"start\"; ends on a short page or at the number at \"total_path\"); page_number (\"param\" from \"start\", default 1; ends on an empty page or after the page count at \"total_path\").",
          "oneOf": [
            {"type": "string", "enum": ["none", "link_header"]},
            {
              "type": "object",
              "additionalProperties": false,
              "required": ["type"],
              "properties": {
                "type": {"type": "string", "enum": ["none", "link_header", "next_url", "cursor", "offset", "page_number"]},
                "path": {"type": "string", "description": "A dotted path in the answer (next_url, cursor): meta.next"},
                "param": {"type": "string", "description": "The request parameter of the cursor or page number"},
                "in": {"type": "string", "enum": ["query", "body"], "description": "Where the cursor is sent (default query)"},
                "limit": {"type": "integer", "minimum": 1, "description": "Records per page (offset; default 100)"},
                "offset_param": {"type": "string", "description": "Default offset"},
                "limit_param": {"type": "string", "description": "Default limit"},
                "start": {"type": "integer", "minimum": 0, "description": "The first offset (default 0) or page number (default 1)"},
                "total_path": {"type": "string", "description": "A dotted path to the total records (offset) or pages (page_number)"}
              }
            }
          ]
        }
      },
      "properties": {
        "base_url": {"type": "string", "description": "The API root, http:// or https://, e.g. https://api.example.com/v1. Resource paths are appended to it."},
        "headers": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}, "description": "Headers sent with every request."},
        "params": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}, "description": "Query parameters sent with every request."},
        "auth": {
          "description": "How requests authenticate (default none): bearer (token), api_key (api_key, api_key_name, api_key_in), basic (username, password), oauth2_client_credentials (token_url, client_id, client_secret, scope, client_auth), oauth2_refresh_token (token_url, client_id, client_secret, refresh_token, scope, client_auth). Either the kind's name with its keys at the top level, or an object with \"type\" and the same keys inside. No message shows a secret.",
          "oneOf": [
            {"type": "string", "enum": ["none", "bearer", "api_key", "basic", "oauth2_client_credentials", "oauth2_refresh_token"]},
            {
              "type": "object",
              "additionalProperties": false,
              "required": ["type"],
              "properties": {
                "type": {"type": "string", "enum": ["none", "bearer", "api_key", "basic", "oauth2_client_credentials", "oauth2_refresh_token"]},
                "token": {"type": "string", "x-secret": true},
                "api_key": {"type": "string", "x-secret": true},
                "api_key_name": {"type": "string"},
                "api_key_in": {"type": "string", "enum": ["header", "query"]},
                "username": {"type": "string"},
                "password": {"type": "string", "x-secret": true},
                "token_url": {"type": "string"},
                "client_id": {"type": "string"},
                "client_secret": {"type": "string", "x-secret": true},
                "refresh_token": {"type": "string", "x-secret": true},
                "scope": {"type": "string"},
                "client_auth": {"type": "string", "enum": ["basic", "body"]}
              }
            }
          ]
        },
        "token": {"type": "string", "x-secret": true, "description": "auth=bearer: the token, sent as Authorization: Bearer. Write @env:NAME or @file:PATH."},
        "api_key": {"type": "string", "x-secret": true, "description": "auth=api_key: the key. Write @env:NAME or @file:PATH."},
        "api_key_name": {"type": "string", "description": "auth=api_key: the header or query parameter that carries the key, e.g. X-API-Key."},
        "api_key_in": {"type": "string", "enum": ["header", "query"], "description": "auth=api_key: where the key goes (default header); in the query it is masked as *** in messages."},
        "username": {"type": "string", "description": "auth=basic: the user."},
        "password": {"type": "string", "x-secret": true, "description": "auth=basic: the password. Write @env:NAME or @file:PATH."},
        "token_url": {"type": "string", "description": "auth=oauth2_*: the token endpoint (http:// or https://); tokens are asked for with a form-encoded POST and kept for their expires_in minus a margin."},
        "client_id": {"type": "string", "description": "auth=oauth2_*: the client's identifier (shown in messages)."},
        "client_secret": {"type": "string", "x-secret": true, "description": "auth=oauth2_*: the client's secret (optional for oauth2_refresh_token). Write @env:NAME or @file:PATH."},
        "refresh_token": {"type": "string", "x-secret": true, "description": "auth=oauth2_refresh_token: the refresh token. Write @env:NAME or @file:PATH."},
        "scope": {"type": "string", "description": "auth=oauth2_*: the scope asked for (space-separated; default: the client's)."},
        "client_auth": {"type": "string", "enum": ["basic", "body"], "description": "auth=oauth2_*: how the client authenticates to the token endpoint: basic (HTTP basic, the default) or body (client_id and client_secret as form fields)."},
        "paginator": {"$ref": "#/$defs/paginator"},
        "resources": {
          "type": "array",
          "minItems": 1,
          "description": "One stream each.",
          "items": {
            "type": "object",
            "additionalProperties": false,
            "required": ["name", "path"],
            "properties": {
              "name": {"type": "string", "description": "The stream (and table) name."},
              "path": {"type": "string", "description": "The path under base_url (/users), or an absolute URL."},
              "method": {"type": "string", "enum": ["GET", "POST"], "description": "Default GET."},
              "body": {"description": "The JSON body of a POST."},
              "params": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}, "description": "Query parameters of this resource."},
              "records": {"type": "string", "description": "A dotted path to the list of records in an answer (data.items); empty or $ when the answer is the list."},
              "primary_key": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]},
              "types": {"type": "object", "additionalProperties": {"type": "string", "enum": ["null", "boolean", "integer", "number", "string", "date", "timestamp", "decimal", "json", "binary"]}, "description": "Type hints by field name; other fields are typed by the host from the values."},
              "paginator": {"$ref": "#/$defs/paginator"},
              "flatten_depth": {"type": "integer", "minimum": 0, "maximum": 16, "description": "The levels of nested objects spread into columns named by their path, a__b (default: the config's flatten_depth, else 0: a nested object stays one JSON column). Lists stay JSON."},
              "incremental": {
                "type": "object",
                "additionalProperties": false,
                "required": ["cursor_field", "param"],
                "description": "Read only what changed since the last run (with --incremental): the largest cursor_field value read is saved, and the next run sends it (minus lookback) as query parameter param. Records whose cursor is null are included. A child resource keeps a cursor per parent value.",
                "properties": {
                  "cursor_field": {"type": "string", "description": "The record field that orders changes, e.g. updated_at."},
                  "param": {"type": "string", "description": "The query parameter that asks for changes from a value, e.g. since."},
                  "initial_value": {"type": ["string", "number"], "description": "The value a run without a saved state sends (default: nothing)."},
                  "lookback": {"type": "number", "minimum": 0, "description": "Subtracted from the saved cursor: seconds for ISO timestamps, units for numbers (default 0)."}
                }
              }
            }
          }
        },
        "requests_per_second": {"type": "number", "exclusiveMinimum": 0, "description": "At most this many requests a second: request starts evenly spaced (default: no limit)."},
        "requests_per_minute": {"type": "number", "exclusiveMinimum": 0, "description": "At most this many requests a minute, evenly spaced; with requests_per_second, the stricter wins."},
        "flatten_depth": {"type": "integer", "minimum": 0, "maximum": 16, "description": "The default flatten_depth of the resources: the levels of nested objects spread into a__b columns (default 0: nested objects stay JSON)."},
        "pacing_key": {"type": "string", "minLength": 1, "maxLength": 200, "description": "Which requests share the requests_per_second/requests_per_minute budget: every etl-host process of this machine pacing the same key takes turns (a pacing file under the state folder). Default: the host of base_url with its port, e.g. api.github.com."},
        "state_dir": {"type": "string", "description": "The host's state folder, where rest-pacing/ keeps one pacing file per pacing key. Default: the host's own, $ETL_STATE_DIR, else $XDG_STATE_HOME/etl-host, else ~/.local/state/etl-host."},
        "max_retries": {"type": "integer", "minimum": 0, "maximum": 50, "description": "Retries of one request on 429, 5xx or a dropped connection (default 5)."},
        "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600, "description": "The longest one request may take (default 60)."}
      }
    }
    """#
}
