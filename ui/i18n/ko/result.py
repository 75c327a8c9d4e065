"""Korean strings of the learner's result panel."""

MESSAGES: dict[str, str] = {
    "result.mutant": "뮤턴트 {number}",
    "result.title": "채점 결과",
    "result.attempts": "내 제출 모두 보기",
    "result.not_found": "{id}에 해당하는 내 결과가 없습니다.",
    "result.unavailable": (
        "지금은 결과를 읽을 수 없습니다 (데이터베이스가 응답하지 않습니다). 읽을 수 있게 되면"
        " 바로 여기에 나타납니다."
    ),
    "result.status_pending": "대기 중",
    "result.status_running": "채점 중",
    "result.status_success": "채점 완료",
    "result.status_failure": "실패",
    "result.status_error": "어플라이언스 오류",
    "result.queued": "대기 중: 채점기를 기다리고 있습니다. 이 페이지는 저절로 갱신됩니다.",
    "result.judging": (
        "채점 중: 테스트를 정답 코드와 모든 뮤턴트에 대해 실행하고 있습니다. 이 페이지는"
        " 저절로 갱신됩니다."
    ),
    "result.done": "채점이 끝났습니다.",
    "result.working": "진행 중",
    "result.problem": "{problem} v{version}",
    "result.submitted_at": "제출 시각 {moment}",
    "result.rejudge": "이전 제출의 재채점입니다",
    "result.score": "점수 {score} / 100",
    "result.explained": (
        "가중치 {total} 중 {killed}만큼 제거했습니다 (뮤턴트 {total_count}개 중 {killed_count}개):"
        " 30 + 70 × {killed} / {total} = {score}"  # noqa: RUF001 - the sign is meant
    ),
    "result.rule": (
        "정답 코드에서 통과하는 테스트는 30점을 받고, 제거한 뮤턴트의 가중치에 비례해 최대"
        " 70점을 더 받습니다 (소수점 이하는 버립니다)."
    ),
    "result.reason_unknown": "이 테스트는 점수를 받지 못했습니다.",
    "result.reason_golden_failed": "정답 코드에서 테스트가 실패합니다.",
    "result.reason_golden_timeout": "정답 코드에서 테스트가 제한 시간을 넘겼습니다.",
    "result.reason_no_tests": "pytest가 테스트를 하나도 찾지 못했습니다.",
    "result.reason_collection_error": "pytest가 테스트 파일을 불러오지 못했습니다.",
    "result.reason_syntax_error": "테스트 코드가 올바른 Python이 아닙니다.",
    "result.reason_flaky": "정답 코드에서 한 번은 통과하고 다른 실행에서는 실패했습니다.",
    "result.reason_introspection": "테스트가 대상 코드를 호출하지 않고 내부를 들여다보았습니다.",
    "result.reason_too_large": "테스트 코드가 어플라이언스가 받는 크기보다 큽니다.",
    "result.next_golden_failed": (
        "어떤 테스트가 문제 설명에 없는 동작을 기대합니다. 아래 실패한 테스트의 메시지를 읽고"
        " 기대값을 문제 설명과 예시에 비추어 확인한 뒤, 그 테스트를 고치거나 지우고 다시"
        " 제출하십시오."
    ),
    "result.next_golden_timeout": (
        "끝나지 않는 반복문, sleep, 아주 큰 입력이 있는지 살펴보고 모든 테스트를 빠르게 만든 뒤"
        " 다시 제출하십시오."
    ),
    "result.next_no_tests": (
        "테스트 함수 이름을 test_...로 지으십시오 (모듈 최상위, 또는 Test...라는 이름의 클래스"
        " 안). 테스트할 함수는 from target import ...로 가져온 뒤 다시 제출하십시오."
    ),
    "result.next_collection_error": (
        "아래 pytest 출력을 읽으십시오. 보통 없는 모듈을 import했거나, from target import 뒤의"
        " 이름이 틀렸거나, 모듈 최상위에서 오류가 났습니다. 고친 뒤 다시 제출하십시오."
    ),
    "result.next_syntax_error": (
        "아래 pytest 출력에 해당 줄이 나옵니다. 구문을 고친 뒤 다시 제출하십시오."
    ),
    "result.next_flaky": (
        "실행마다 달라지는 것을 없애십시오: 시드 없는 난수, 현재 시각, 테스트 순서, 다른"
        " 테스트가 남긴 파일. 그런 다음 다시 제출하십시오."
    ),
    "result.next_introspection": (
        "함수의 소스, 바이트코드, 내부를 읽지 말고, 같은 동작의 복사본에서 다르게 행동하지도"
        " 마십시오. 함수를 호출하고 반환값이나 예외를 확인한 뒤 다시 제출하십시오."
    ),
    "result.next_too_large": "반복되거나 생성된 테스트를 줄여 더 짧은 테스트로 제출하십시오.",
    "result.error": "어플라이언스가 이 제출을 채점하지 못했습니다. 테스트 코드의 문제가 아닙니다.",
    "result.error_next": (
        "이 결과가 나오기 전에 채점을 자동으로 몇 번 다시 시도했습니다. 나중에 같은 테스트를 다시"
        " 제출하시고, 계속 실패하면 관리자에게 알리십시오."
    ),
    "result.error_detail": "원인: {detail}",
    "result.mutants": "뮤턴트",
    "result.col_mutant": "뮤턴트",
    "result.col_verdict": "판정",
    "result.col_weight": "가중치",
    "result.col_hint": "힌트",
    "result.col_test": "테스트",
    "result.verdict_passed": "통과",
    "result.verdict_failed": "실패",
    "result.verdict_error": "오류",
    "result.verdict_timeout": "시간 초과 (제거로 셈)",
    "result.verdict_no_tests": "테스트 없음",
    "result.verdict_killed": "제거됨",
    "result.verdict_survived": "생존",
    "result.outcome_passed": "통과",
    "result.outcome_failed": "실패",
    "result.outcome_error": "오류",
    "result.outcome_skipped": "건너뜀",
    "result.matrix": "제거 행렬",
    "result.matrix_legend": "{mark} 표시는 그 열의 뮤턴트를 제거한 테스트입니다.",
    "result.golden": "정답 코드에서의 실행",
    "result.golden_summary": "{verdict}: 테스트 {tests}개, 실패 {failing}개.",
    "result.refused": "테스트에 거부된 동작: {detail}",
    "result.output": "pytest 출력",
    "result.truncated": "(출력이 길어 잘렸습니다)",
    "result.feedback": "AI 피드백",
    "result.feedback_offer": "언어 모델이 테스트에 대해 의견을 줄 수 있습니다: 잘 확인하는 부분과 놓쳤을 수 있는 동작. 모델은 여러분이 보는 것만 보며, 점수는 바뀌지 않습니다.",
    "result.feedback_ask": "AI 피드백 받기",
    "result.feedback_retry": "다시 요청",
    "result.feedback_pending": "피드백을 작성하고 있습니다. 완성되면 저절로 여기에 나타납니다.",
    "result.feedback_model": "모델 {model}이(가) 작성했습니다. AI 피드백은 틀릴 수 있으니 문제 설명과 비교해 확인하십시오.",
    "result.feedback_score_unchanged": "피드백은 점수를 바꾸지 않습니다.",
    "result.feedback_refused": "숨겨진 코드를 드러낼 수 있어 피드백을 보여 주지 않습니다. 위의 힌트를 활용하십시오.",
    "result.feedback_failed": "지금은 피드백을 작성하지 못했습니다.",
    "result.feedback_failed_timeout": "피드백 모델이 제한 시간 안에 응답하지 않았습니다.",
    "result.feedback_failed_unreachable": "피드백 모델에 연결할 수 없습니다.",
    "result.feedback_failed_empty": "피드백 모델의 응답이 비어 있었습니다.",
    "result.feedback_failed_queue": "지금은 피드백 요청을 대기열에 넣지 못했습니다.",
    "result.feedback_unavailable": "지금은 AI 피드백을 제공하지 않습니다.",
    "result.feedback_not_offered": "이 제출에는 AI 피드백을 제공하지 않습니다.",
    "result.feedback_rate_limited": "최근 한 시간 동안 피드백을 많이 요청했습니다. 약 {minutes}분 뒤에 다시 요청할 수 있습니다.",
}
