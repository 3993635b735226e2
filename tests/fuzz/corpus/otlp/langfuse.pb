
ô#
Ï
=
service.instance.id&
$e4faf37d-56a8-4cfd-86f0-69c805722c81
 
service.name
extra-langfuse
"
telemetry.sdk.language
python
%
telemetry.sdk.name
opentelemetry
!
telemetry.sdk.version
1.45.2Ÿ"

langfuse-sdkï
‡-ïx®[y_‘%dI½U¶˜
ÓXm"Æÿ>,­¡L*OpenAI-embedding9xò9ˆëxëA8.–ˆëxëJ1
langfuse.observation.input
capital of FranceJ;
langfuse.observation.model.name
text-embedding-3-smallJ-
%langfuse.observation.model.parameters
{}J>
langfuse.observation.output
{"dimensions": 8, "count": 1}J(
langfuse.observation.type
	embeddingJ5
"langfuse.observation.usage_details
{"input": 42}J$
langfuse.trace.name
qa_pipelineJ%

session.id
conv-0000000000000000J
user.id
	lf-user-1Ñ
‡-ïx®[y_‘%dIƒI*ÿ™2ïP"Æÿ>,­¡L*
answer_llm9jËÄˆëxëAA»‹ëxëJ_
langfuse.observation.inputA
?[{"role": "user", "content": "What is the capital of France?"}]J6
langfuse.observation.model.name
gpt-4o-2024-08-06J¯
%langfuse.observation.model.parameters…
‚{"temperature": 1, "max_tokens": "Infinity", "top_p": 1, "frequency_penalty": 0, "presence_penalty": 0, "service_tier": "default"}Jk
langfuse.observation.outputL
J{"role": "assistant", "content": "Fake answer #2 from gpt-4o-2024-08-06."}J)
langfuse.observation.type

generationJÂ
"langfuse.observation.usage_details›
˜{"completion_tokens": 200, "prompt_tokens": 1500, "total_tokens": 1700, "completion_tokens_details": {"accepted_prediction_tokens": 0, "audio_tokens": 0, "reasoning_tokens": 64, "rejected_prediction_tokens": 0}, "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 1024}}J$
langfuse.trace.name
qa_pipelineJ%

session.id
conv-0000000000000000J
user.id
	lf-user-1»
‡-ïx®[y_‘%dI©0e‡Y’­1"Æÿ>,­¡L*OpenAI-generation9I¥¾‹ëxëAÅf1ŒëxëJM
*langfuse.observation.completion_start_time
"2026-11-26T02:57:09.500665Z"J_
langfuse.observation.inputA
?[{"role": "user", "content": "What is the capital of France?"}]J7
+langfuse.observation.metadata.finish_reason
"stop"J6
langfuse.observation.model.name
gpt-4o-2024-08-06J¯
%langfuse.observation.model.parameters…
‚{"temperature": 1, "max_tokens": "Infinity", "top_p": 1, "frequency_penalty": 0, "presence_penalty": 0, "service_tier": "default"}JG
langfuse.observation.output(
&Fake answer #3 from gpt-4o-2024-08-06.J)
langfuse.observation.type

generationJÁ
"langfuse.observation.usage_detailsš
—{"completion_tokens": 240, "prompt_tokens": 1800, "total_tokens": 2040, "completion_tokens_details": {"accepted_prediction_tokens": 0, "audio_tokens": 0, "reasoning_tokens": 0, "rejected_prediction_tokens": 0}, "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 1536}}J$
langfuse.trace.name
qa_pipelineJ%

session.id
conv-0000000000000000J
user.id
	lf-user-1â
‡-ïx®[y_‘%dIÆÿ>,­¡L*handle_question9P3ˆëxëA•f3ŒëxëJ#
langfuse.internal.is_app_rootJM
langfuse.observation.input/
-{"args": ["capital of France"], "kwargs": {}}J#
langfuse.observation.output
okJ#
langfuse.observation.type
spanJ$
langfuse.trace.name
qa_pipelineJ%

session.id
conv-0000000000000000J
user.id
	lf-user-1‘
LTÕŒ¹Fkvh'ñÂ¾ûÉıc‡Òá*OpenAI-generation9Š¥5ŒëxëA´ä€ŒëxëJ#
langfuse.internal.is_app_rootJ_
langfuse.observation.inputA
?[{"role": "user", "content": "What is the capital of France?"}]J;
langfuse.observation.model.name
gpt-4o-mini-2024-07-18J¯
%langfuse.observation.model.parameters…
‚{"temperature": 1, "max_tokens": "Infinity", "top_p": 1, "frequency_penalty": 0, "presence_penalty": 0, "service_tier": "default"}Jp
langfuse.observation.outputQ
O{"role": "assistant", "content": "Fake answer #4 from gpt-4o-mini-2024-07-18."}J)
langfuse.observation.type

generationJ»
"langfuse.observation.usage_details”
‘{"completion_tokens": 50, "prompt_tokens": 300, "total_tokens": 350, "completion_tokens_details": {"accepted_prediction_tokens": 0, "audio_tokens": 0, "reasoning_tokens": 0, "rejected_prediction_tokens": 0}, "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 0}}
"T¹ŠmàE¢h[ĞËô
§EdŠŠa*self_hosted_llm9Ï ƒŒëxëAğÔ„ŒëxëJ#
langfuse.internal.is_app_rootJX
!langfuse.observation.cost_details3
1{"input": 0.005, "output": 0.002, "total": 0.007}J"
langfuse.observation.input
hiJ0
langfuse.observation.model.name
acme-pricedJ&
langfuse.observation.output
helloJ)
langfuse.observation.type

generationJg
"langfuse.observation.usage_detailsA
?{"input": 5000, "output": 1000, "cache_read_input_tokens": 100}J%

session.id
conv-0000000000000000J
user.id
	lf-user-1