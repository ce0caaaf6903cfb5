"""OpenAPI generation: every operation documents the error answers it can give.

The fuzzing test (tests/api/test_fuzz.py) holds the API to its document, so an answer the
document does not list is a failure there, not a surprise for a client.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema

ERRORS = {
    "400": "输入有误（detail 为中文说明，errors 为各字段的错误）",
    "401": "未登录或令牌无效",
    "403": "账号角色无权使用此接口",
    "404": "对象不存在或不在您的权限范围内",
    "409": "操作与对象当前状态冲突（如任务已被领取、报告已提交）",
    "413": "上传文件超过大小上限",
    "415": "请求体格式不受支持",
    "429": "请求过于频繁，请稍后再试",
    "503": "文件存储暂时不可用，本次上传未保存（见 Retry-After）",
}


def only_api_v1(endpoints: list[tuple[str, ...]], **kwargs: Any) -> list[tuple[str, ...]]:
    return [e for e in endpoints if e[0].startswith("/api/v1/")]


class PortalAutoSchema(AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        codes = ["401", "403", "404", "429"]
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        body = operation.get("requestBody", {}).get("content", {})
        if has_query or self.method == "POST":
            codes.append("400")
        if self.method == "POST":
            codes.append("409")
        if body:
            codes.append("415")
        if "multipart/form-data" in body:
            codes += ["413", "503"]
        from portal.api.errors import ErrorSerializer

        responses = operation["responses"]
        for code in sorted(codes):
            if code not in responses:
                responses[code] = {
                    **self._get_response_for_code(ErrorSerializer, code),
                    "description": ERRORS[code],
                }
        return operation
