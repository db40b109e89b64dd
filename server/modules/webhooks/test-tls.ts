// A self-signed certificate for the name rebinding.test (valid to 2036), for the pinned-transport test: a
// receiver on 127.0.0.1 that the name itself never resolves to. Test material only; trusted nowhere else.
export const TEST_TLS_NAME = 'rebinding.test'
export const TEST_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBojCCAUigAwIBAgIUWq1dLUCfAIcMkY6kpoenI5M42w0wCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOcmViaW5kaW5nLnRlc3QwHhcNMjYxMjA2MjI1NDE2WhcNMzYx
MjAzMjI1NDE2WjAZMRcwFQYDVQQDDA5yZWJpbmRpbmcudGVzdDBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABCpeZupjiUWSO4ieTQxVMkuylkAI2+HV1YCOeTRb9Tan
uQYfmCXBbAlH7NVujNGvKejpAo15DsNyx3Jdi5zlSLujbjBsMB0GA1UdDgQWBBQc
Mvd5o0/l2YnecHprw/XSEV+4aDAfBgNVHSMEGDAWgBQcMvd5o0/l2YnecHprw/XS
EV+4aDAPBgNVHRMBAf8EBTADAQH/MBkGA1UdEQQSMBCCDnJlYmluZGluZy50ZXN0
MAoGCCqGSM49BAMCA0gAMEUCIQDVjnoTtDa6t4dh1IcdWX5ilSe2qI4aIoQo2hGD
VGI7jwIgdGHn0/JcPYG2xXiOkycDiZJLXfY2Q6BxzJNtsSycRxU=
-----END CERTIFICATE-----
`
export const TEST_TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgsoJYHwYSu02dScLi
FwQy7Nu7NborhUkJ3zIhqM76xyahRANCAAQqXmbqY4lFkjuInk0MVTJLspZACNvh
1dWAjnk0W/U2p7kGH5glwWwJR+zVbozRryno6QKNeQ7DcsdyXYuc5Ui7
-----END PRIVATE KEY-----
`
