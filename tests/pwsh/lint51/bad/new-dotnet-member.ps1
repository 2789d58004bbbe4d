# expect: new-dotnet-member 6
# expect: new-dotnet-member 7
# expect: new-dotnet-member 8
# expect: new-dotnet-member 9
# Static members of .NET Core / .NET 5+ that .NET Framework 4.x (under 5.1) does not have.
$tools = [System.IO.Path]::Join($env:ProgramFiles, 'Update Services')
$hex = [Convert]::ToHexString($bytes)
$id = [Environment]::ProcessId
$bounded = [math]::Clamp($value, 1, 10)
