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
        "auth": {"type": "string", "enum": ["none", "bearer", "api_key", "basic"], "description": "How requests authenticate (default none): bearer (token), api_key (api_key, api_key_name, api_key_in), basic (username, password). No message shows a secret."},
        "token": {"type": "string", "x-secret": true, "description": "auth=bearer: the token, sent as Authorization: Bearer. Write @env:NAME or @file:PATH."},
        "api_key": {"type": "string", "x-secret": true, "description": "auth=api_key: the key. Write @env:NAME or @file:PATH."},
        "api_key_name": {"type": "string", "description": "auth=api_key: the header or query parameter that carries the key, e.g. X-API-Key."},
        "api_key_in": {"type": "string", "enum": ["header", "query"], "description": "auth=api_key: where the key goes (default header); in the query it is masked as *** in messages."},
        "username": {"type": "string", "description": "auth=basic: the user."},
        "password": {"type": "string", "x-secret": true, "description": "auth=basic: the password. Write @env:NAME or @file:PATH."},
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
              "incremental": {
                "type": "object",
                "additionalProperties": false,
                "required": ["cursor_field", "param"],
                "description": "Read only what changed since the last run (with --incremental): the largest cursor_field value read is saved, and the next run sends it (minus lookback) as query parameter param. Records whose cursor is null are included.",
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
        "pacing_key": {"type": "string", "minLength": 1, "maxLength": 200, "description": "Which requests share the requests_per_second/requests_per_minute budget: every etl-host process of this machine pacing the same key takes turns (a pacing file under the state folder). Default: the host of base_url with its port, e.g. api.github.com."},
        "state_dir": {"type": "string", "description": "The host's state folder, where rest-pacing/ keeps one pacing file per pacing key. Default: the host's own, $ETL_STATE_DIR, else $XDG_STATE_HOME/etl-host, else ~/.local/state/etl-host."},
        "max_retries": {"type": "integer", "minimum": 0, "maximum": 50, "description": "Retries of one request on 429, 5xx or a dropped connection (default 5)."},
        "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600, "description": "The longest one request may take (default 60)."}
      }
    }
    """#
}
