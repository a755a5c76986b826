"""OpenAPI links: where an answer names a resource it created, the operations that take it.

Generated clients and schemathesis' stateful runs follow them from a creation to its reads,
changes and deletion.
"""

from __future__ import annotations

# creating operation -> (its answer's status, the answer's field, the path parameter it fills,
# the operations that take that parameter)
CREATED_RESOURCES = {
    "create_campaign": ("201", "slug", "slug", (
        "get_campaign", "update_campaign", "get_progress", "create_material", "log_actions",
        "post_signatures")),
    "create_organization": ("201", "slug", "slug", (
        "get_organization", "update_organization", "create_client", "list_clients",
        "suspend_organization", "reactivate_organization")),
    "create_client": ("201", "client_id", "client_id", (
        "get_client", "update_client", "rotate_client_secret", "revoke_previous_secret", "delete_client")),
    "create_material": ("201", "id", "material_id", (
        "get_material", "update_material", "list_revisions", "upload_file", "list_translations")),
    "upload_file": ("201", "id", "file_id", ("download_file",)),
    "log_actions": ("201", "id", "action_id", ("get_action", "update_action", "delete_action")),
    "create_export": ("202", "id", "export_id", ("get_export", "download_export")),
    "create_webhook": ("201", "id", "subscription_id", (
        "get_webhook", "update_webhook", "ping_webhook", "rotate_webhook_secret", "list_deliveries",
        "delete_webhook")),
}


def add_links(document: dict) -> dict:
    operations = {
        operation["operationId"]: operation
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for creator, (status, field, parameter, targets) in CREATED_RESOURCES.items():
        answer = operations[creator]["responses"][status]
        answer["links"] = {
            target: {"operationId": target, "parameters": {parameter: f"$response.body#/{field}"}}
            for target in targets
        }
    return document
