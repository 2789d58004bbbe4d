# expect: new-type 6
# expect: new-type 7
# expect: new-type 8
# expect: new-type 9
# Type accelerators and .NET types 5.1 cannot resolve.
$version = [semver]'1.2.3'
$count = [uint]$p.count
$options = [System.Text.Json.JsonSerializerOptions]::new()
$isMap = $map -is [ordered]
