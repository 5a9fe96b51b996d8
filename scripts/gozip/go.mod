module tofu-sbom.test/gozip

go 1.24
