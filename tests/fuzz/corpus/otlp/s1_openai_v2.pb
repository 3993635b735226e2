
Ş
Ñ
=
service.instance.id&
$4833f961-47ca-4936-820f-3a4de9b8f6b9
"
service.name
e2e-s1_openai_v2
"
telemetry.sdk.language
python
%
telemetry.sdk.name
opentelemetry
!
telemetry.sdk.version
1.45.2ä

"
 opentelemetry.util.genai.handlerŞ
dóO6Ã(J©y5æ¢™ŸO
¿OåÂJ@"K\Î–ÕJ*chat gpt-4o9ø´¿xáuëAª_œyáuëJ
gen_ai.operation.name
chatJ 
gen_ai.provider.name
openaiJ 
gen_ai.request.model
gpt-4oJ,
gen_ai.response.finish_reasons
*

stopJ1
gen_ai.response.id
chatcmpl-d27c6886c0c20001J,
gen_ai.response.model
gpt-4o-2024-08-06J 
gen_ai.usage.input_tokens°	J!
gen_ai.usage.output_tokens¬J)
openai.response.service_tier	
defaultJ3
"openai.response.system_fingerprint
fp_fake0001Ş
±ğ“‚?UÙ¸IÏ—uùOĞ,¤?"7õB•x)„*chat gpt-4o9|×ŸyáuëAÌ`|áuëJ
gen_ai.operation.name
chatJ 
gen_ai.provider.name
openaiJ 
gen_ai.request.model
gpt-4oJ,
gen_ai.response.finish_reasons
*

stopJ1
gen_ai.response.id
chatcmpl-d27c6886c0c20002J,
gen_ai.response.model
gpt-4o-2024-08-06J 
gen_ai.usage.input_tokens¨J!
gen_ai.usage.output_tokens¤J)
openai.response.service_tier	
defaultJ3
"openai.response.system_fingerprint
fp_fake0001û
§Ÿ¤ìdÄê)âFÜ:gP@÷óŒ7‘"ìIJ˜ki*D*chat gpt-4o9Ovd|áuëAyqø|áuëJ
gen_ai.operation.name
chatJ 
gen_ai.provider.name
openaiJ 
gen_ai.request.model
gpt-4oJ1
gen_ai.response.id
chatcmpl-d27c6886c0c20003J,
gen_ai.response.model
gpt-4o-2024-08-06J 
gen_ai.usage.input_tokensœJ!
gen_ai.usage.output_tokens€J)
openai.response.service_tier	
default 
	
e2e.app„
dóO6Ã(J©y5æ¢™ŸOK\Î–ÕJ*	chat_turn9«¶xáuëA=yáuëJ
app.turn.label
t1J1
gen_ai.conversation.id
conv-0000000000000000„
±ğ“‚?UÙ¸IÏ—u7õB•x)„*	chat_turn9òšyáuëAm1a|áuëJ
app.turn.label
t2J1
gen_ai.conversation.id
conv-0000000000000000„
§Ÿ¤ìdÄê)âFÜ:gPìIJ˜ki*D*	chat_turn9		c|áuëA%ïù|áuëJ
app.turn.label
t3J1
gen_ai.conversation.id
conv-0000000000000000