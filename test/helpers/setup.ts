// Test processes talk only to the emulator, with fake credentials; the SDK's Node 20 notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
process.env.AWS_REGION = 'us-east-1';
delete process.env.AWS_PROFILE;
delete process.env.AWS_ENDPOINT_URL;
