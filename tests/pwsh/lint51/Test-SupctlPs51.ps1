# Test-SupctlPs51: rejects, as path:line:column, what Windows PowerShell 5.1 lacks in the scripts supctl sends to servers.
#
# The fragments run on Windows PowerShell 5.1 while the tests run PowerShell 7, so a construct that only 7 has
# passes every test and fails on the server. This parses each file with the real parser and walks its AST and
# tokens for the rules in $Rules below. Exit 0: no finding; 1: findings; 2: a path that is not there, or a folder
# without *.ps1 (never a pass).
#
# A finding can be allowed where the code is right on purpose, by a comment on its line or the line before it:
#   # lint51: allow <rule> (<reason>)
# The reason is required; an allow comment that is malformed, names no rule, or allows nothing is itself a finding.
using namespace System.Management.Automation.Language
param(
  [Parameter(Mandatory)][string[]]$Path,
  # 'pwsh -File Test-SupctlPs51.ps1 -Path a b c' binds only a to -Path: b and c land here, and are paths too.
  [Parameter(ValueFromRemainingArguments, DontShow)][string[]]$MorePath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# ---- the rules -------------------------------------------------------------------------------------------------
# One entry a rule: Rule (the name printed), Lacks (what Windows PowerShell 5.1 lacks or does differently),
# Instead (what to write), and one matcher:
#   Node + Find     an AST node type, and a search over all the nodes of that type in the file (one call a file:
#                   a PowerShell script block call costs ~0.1 ms, a file has thousands of nodes) that returns the
#                   positions (extents) to report;
#   Scan            a scan of the whole file (its tokens or text) that returns positions;
#   Command + New   cmdlets (by canonical name) and the parameters 5.1 lacks (names and aliases; matched by unambiguous
#                   prefix, as PowerShell binds them); Known lists the other 7.x parameters, for cmdlets that this
#                   platform's PowerShell does not have (Set-Service on Linux); Positional: the parameters 5.1 binds
#                   by position (an argument past them is a parameter 5.1 lacks);
#   Command + Parameter + Allowed|Values   a parameter whose constant value 5.1 rejects (Allowed: all 5.1 accepts;
#                   Values: the ones it lacks);
#   Commands        commands 5.1 does not have;
#   Variables       automatic or preference variables 5.1 does not have;
#   Types           type names 5.1 cannot resolve (-like patterns);
#   Members         static members of .NET types (Type::Member, full type names) that .NET Framework 4.x lacks.
# A Find or Scan returns extents, or @{ At = <extent or token>; Detail = '<what was found>' } for each finding.
# Kind 'lacks': 5.1 has no such thing. Kind 'differs': 5.1 runs it, with another result than the 7.x the tests run.
$Rules = @(
  @{ Rule = 'parse-error'; Kind = 'lacks'
     Lacks = 'the PowerShell parser rejects this file'; Instead = 'fix the syntax'
     Scan = {
       # One finding a position: the parser reports what follows from an error at the same place too.
       param($c)
       $seen = @{}
       foreach ($e in $c.Errors) {
         $key = '{0}:{1}' -f $e.Extent.StartLineNumber, $e.Extent.StartColumnNumber
         if (-not $seen.ContainsKey($key)) { $seen[$key] = $true; @{ At = $e.Extent; Detail = $e.Message } }
       }
     } }

  @{ Rule = 'null-coalescing'; Kind = 'lacks'
     Lacks = "'??' and '??=' are PowerShell 7.0+"; Instead = 'write if ($null -eq $a) { $b } else { $a }'
     Node = [BinaryExpressionAst]; Find = { param($nodes) foreach ($n in $nodes) { if ($n.Operator -eq 'QuestionQuestion') { $n.ErrorPosition } } } }
  @{ Rule = 'null-coalescing'; Kind = 'lacks'
     Lacks = "'??=' is PowerShell 7.0+"; Instead = 'write if ($null -eq $a) { $a = $b }'
     Node = [AssignmentStatementAst]; Find = { param($nodes) foreach ($n in $nodes) { if ($n.Operator -eq 'QuestionQuestionEquals') { $n.ErrorPosition } } } }

  @{ Rule = 'null-conditional'; Kind = 'lacks'
     Lacks = "'?.' (null-conditional member access) is PowerShell 7.1+"; Instead = 'test for $null first: if ($null -ne $a) { $a.b }'
     Node = [MemberExpressionAst]
     Find = { param($nodes, $c) foreach ($n in $nodes) { if ($n.NullConditional) { Find-Token $c 'QuestionDot' $n.Expression.Extent.EndOffset } } } }
  @{ Rule = 'null-conditional'; Kind = 'lacks'
     Lacks = "'?[]' (null-conditional index) is PowerShell 7.1+"; Instead = 'test for $null first: if ($null -ne $a) { $a[0] }'
     Node = [IndexExpressionAst]
     Find = { param($nodes, $c) foreach ($n in $nodes) { if ($n.NullConditional) { Find-Token $c 'QuestionLBracket' $n.Target.Extent.EndOffset } } } }

  @{ Rule = 'ternary'; Kind = 'lacks'
     Lacks = "the ternary operator 'a ? b : c' is PowerShell 7.0+"; Instead = 'write if (a) { b } else { c }'
     Node = [TernaryExpressionAst]; Find = { param($nodes, $c) foreach ($n in $nodes) { Find-Token $c 'QuestionMark' $n.Condition.Extent.EndOffset } } }

  @{ Rule = 'pipeline-chain'; Kind = 'lacks'
     Lacks = "pipeline chains '&&' and '||' are PowerShell 7.0+"; Instead = 'write a; if ($?) { b }, or test $LASTEXITCODE'
     Node = [PipelineChainAst]
     Find = { param($nodes, $c) foreach ($n in $nodes) { Find-Token $c ([string]$n.Operator) $n.LhsPipelineChain.Extent.EndOffset } } }

  @{ Rule = 'background-job'; Kind = 'lacks'
     Lacks = "a trailing '&' (background job) is PowerShell 6.0+"; Instead = 'write Start-Job { ... }'
     Node = [PipelineBaseAst]
     Find = { param($nodes, $c) foreach ($n in $nodes) { if (($n -is [PipelineAst] -or $n -is [PipelineChainAst]) -and $n.Background) { Find-Token $c 'Ampersand' $n.Extent.EndOffset } } } }

  @{ Rule = 'clean-block'; Kind = 'lacks'
     Lacks = "the 'clean' block is PowerShell 7.3+"; Instead = 'put the cleanup in end {} or in try {} finally {}'
     Node = [ScriptBlockAst]; Find = { param($nodes) foreach ($n in $nodes) { if ($null -ne $n.CleanBlock) { $n.CleanBlock.Extent } } } }

  @{ Rule = 'generic-method-call'; Kind = 'lacks'
     Lacks = "calling a method with type arguments, `$o.M[T]() is PowerShell 7.3+"; Instead = 'call it through reflection: $o.GetType().GetMethod(...).MakeGenericMethod([T]).Invoke(...)'
     Node = [InvokeMemberExpressionAst]
     Find = { param($nodes) foreach ($n in $nodes) { if ($null -ne $n.GenericTypeArguments -and $n.GenericTypeArguments.Count -gt 0) { $n.Member.Extent } } } }

  @{ Rule = 'enum-base-type'; Kind = 'lacks'
     Lacks = "an enum with an underlying type (enum E : byte) is PowerShell 6.2+"; Instead = 'declare the enum without one (it is [int])'
     Node = [TypeDefinitionAst]; Find = { param($nodes) foreach ($n in $nodes) { if ($n.IsEnum -and $n.BaseTypes.Count -gt 0) { $n.BaseTypes[0].Extent } } } }

  @{ Rule = 'requires'; Kind = 'lacks'
     Lacks = '#requires asks for PowerShell 6+ or the Core edition, so 5.1 refuses to run the script'; Instead = 'require -Version 5.1 at most, and no -PSEdition Core'
     Scan = { param($c) Find-RequiresFinding $c } }

  @{ Rule = 'string-escape'; Kind = 'differs'
     Lacks = 'the escapes `e and `u{...} are PowerShell 6.0+ (5.1 reads them as the letters e and u)'; Instead = 'write $([char]27) or $([char]0x2195) in the string'
     Scan = { param($c) foreach ($t in $c.Tokens) { if ($t.Text.IndexOf([char]'`') -ge 0) { Find-StringEscape $t } } } }

  @{ Rule = 'numeric-literal'; Kind = 'lacks'
     Lacks = 'binary literals (0b...) and the type suffixes u, ul, s, us, y, uy and n are PowerShell 6.2/7.0+'; Instead = 'cast instead: [uint32]1, [byte]5, [bigint]"123", [Convert]::ToInt32("101", 2)'
     Scan = { param($c) foreach ($t in $c.Tokens) { if ($t.Kind -eq 'Number' -and (Test-NewNumber $t.Text)) { @{ At = $t.Extent; Detail = $t.Text } } } } }

  @{ Rule = 'new-variable'; Kind = 'lacks'
     Lacks = 'this automatic or preference variable is PowerShell 6.0+ (on 5.1 it is unset; under Set-StrictMode reading it throws)'
     Instead = 'the script runs on Windows PowerShell 5.1 only: drop the test ($IsWindows is always true there) or read $PSVersionTable.PSEdition'
     Variables = 'IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR', 'PSStyle', 'EnabledExperimentalFeatures', 'PSNativeCommandArgumentPassing', 'PSNativeCommandUseErrorActionPreference' }

  @{ Rule = 'new-type'; Kind = 'lacks'
     Lacks = 'Windows PowerShell 5.1 (.NET Framework 4.x) has no such type or type accelerator'
     Instead = 'use the full .NET Framework name ([uint32], [int16], [uint64], [uint16]) or another type; [ordered] only right before @{...}'
     Types = 'semver', 'short', 'ushort', 'uint', 'ulong', 'pspropertyexpression', 'ArgumentCompletions', 'ArgumentCompletionsAttribute',
             'Experimental', 'ExperimentAction', 'ExperimentalFeature', 'NoRunspaceAffinity', 'NoRunspaceAffinityAttribute',
             'ValidateNotNullOrWhiteSpace', 'ValidateNotNullOrWhiteSpaceAttribute', 'System.Management.Automation.SemanticVersion',
             'System.Text.Json.*', 'System.HashCode', 'System.Range', 'System.Index', 'System.Half', 'System.DateOnly', 'System.TimeOnly',
             'System.Int128', 'System.UInt128', 'System.Net.Http.SocketsHttpHandler' }

  @{ Rule = 'new-dotnet-member'; Kind = 'lacks'
     Lacks = 'Windows PowerShell 5.1 runs on .NET Framework 4.x, which has no such static member (it is .NET Core / .NET 5+)'
     Instead = "use what .NET Framework has: [IO.Path]::Combine, (`$bytes | ForEach-Object { `$_.ToString('x2') }) -join '', [Math]::Min([Math]::Max(...)), [Diagnostics.Process]::GetCurrentProcess().Id, [Text.Encoding]::GetEncoding(28591)"
     Members = 'System.IO.Path::Join', 'System.IO.Path::GetRelativePath', 'System.IO.Path::TrimEndingDirectorySeparator', 'System.IO.Path::EndsInDirectorySeparator',
               'System.IO.Path::IsPathFullyQualified', 'System.IO.Path::Exists', 'System.Convert::ToHexString', 'System.Convert::ToHexStringLower',
               'System.Convert::FromHexString', 'System.Math::Clamp', 'System.Math::Log2', 'System.Math::Cbrt', 'System.Math::CopySign',
               'System.Environment::ProcessPath', 'System.Environment::ProcessId', 'System.Environment::IsPrivilegedProcess', 'System.Text.Encoding::Latin1',
               'System.String::Create', 'System.Array::Fill', 'System.IO.File::ReadAllTextAsync', 'System.IO.File::WriteAllTextAsync',
               'System.IO.File::ReadAllBytesAsync', 'System.IO.File::WriteAllBytesAsync', 'System.IO.File::ReadAllLinesAsync', 'System.IO.File::AppendAllTextAsync',
               'System.IO.File::CreateSymbolicLink', 'System.IO.File::ResolveLinkTarget', 'System.IO.Directory::CreateSymbolicLink',
               'System.IO.Directory::ResolveLinkTarget', 'System.OperatingSystem::IsWindows', 'System.OperatingSystem::IsLinux', 'System.OperatingSystem::IsMacOS',
               'System.OperatingSystem::IsWindowsVersionAtLeast', 'System.DateTime::UnixEpoch', 'System.DateTimeOffset::UnixEpoch', 'System.Random::Shared',
               'System.Guid::CreateVersion7', 'System.Security.Cryptography.RandomNumberGenerator::GetInt32', 'System.Security.Cryptography.RandomNumberGenerator::Fill',
               'System.Security.Cryptography.RandomNumberGenerator::GetBytes', 'System.Security.Cryptography.RandomNumberGenerator::GetHexString',
               'System.Security.Cryptography.MD5::HashData', 'System.Security.Cryptography.SHA1::HashData', 'System.Security.Cryptography.SHA256::HashData',
               'System.Security.Cryptography.SHA384::HashData', 'System.Security.Cryptography.SHA512::HashData'
     Node = [MemberExpressionAst]; Find = { param($nodes, $c) foreach ($n in $nodes) { if ($n.Static) { Find-StaticMember $n $c } } } }

  @{ Rule = 'attribute-argument'; Kind = 'lacks'
     Lacks = '[ValidateRange(<kind>)] (6.1) and [ValidateSet(<generator type>)] (6.0) are not in 5.1: it wants a minimum and a maximum, and reads a type as its name'
     Instead = 'write [ValidateRange(1, [int]::MaxValue)], or list the values: [ValidateSet(''a'', ''b'')]'
     Node = [AttributeAst]
     Find = {
       param($nodes)
       foreach ($n in $nodes) {
         $name = $n.TypeName.FullName -replace '^(System\.Management\.Automation\.)?', '' -replace 'Attribute$', ''
         if ($name -eq 'ValidateRange' -and $n.PositionalArguments.Count -eq 1) { $n.PositionalArguments[0].Extent }
         elseif ($name -eq 'ValidateSet' -and $n.PositionalArguments.Count -ge 1 -and $n.PositionalArguments[0] -is [TypeExpressionAst]) { $n.PositionalArguments[0].Extent }
       }
     } }

  @{ Rule = 'new-command'; Kind = 'lacks'
     Lacks = 'this command is PowerShell 6.0+; Windows PowerShell 5.1 does not have it'
     Instead = 'Get-Error: $Error[0] | Format-List * -Force; Join-String: -join; Test-Json: ConvertFrom-Json in try/catch; Start-ThreadJob: Start-Job; Remove-Service: sc.exe delete through Invoke-SupctlNative; Get-Uptime: (Get-CimInstance Win32_OperatingSystem).LastBootUpTime'
     Commands = 'Get-Error', 'Join-String', 'Test-Json', 'Get-Uptime', 'Remove-Service', 'Remove-Alias', 'Start-ThreadJob', 'Get-SecureRandom',
                'ConvertFrom-Markdown', 'Show-Markdown', 'Get-MarkdownOption', 'Set-MarkdownOption', 'ConvertTo-CliXml', 'ConvertFrom-CliXml',
                'Get-ExperimentalFeature', 'Enable-ExperimentalFeature', 'Disable-ExperimentalFeature', 'Get-PSSubsystem' }

  # Cmdlet parameters added after 5.1 ('*': every cmdlet and advanced function).
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = '*'; New = 'ProgressAction', 'proga'
     Lacks = 'the common parameter -ProgressAction is PowerShell 7.4+'; Instead = "set `$ProgressPreference = 'SilentlyContinue' around the call" }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'ForEach-Object'; New = 'Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'AsJob', 'UseNewRunspace'
     Lacks = 'ForEach-Object -Parallel (and its -ThrottleLimit, -TimeoutSeconds, -AsJob, -UseNewRunspace) is PowerShell 7.0+'; Instead = 'run it sequentially (ForEach-Object -Process), or use Start-Job' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Where-Object'; New = 'Not'
     Lacks = 'Where-Object -Not is PowerShell 6.1+'; Instead = 'write Where-Object { -not $_.Property }' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'ConvertFrom-Json'; New = 'AsHashtable', 'Depth', 'NoEnumerate', 'DateKind'
     Lacks = 'ConvertFrom-Json has only -InputObject in 5.1 (-AsHashtable 6.0, -Depth 6.2, -NoEnumerate 7.0, -DateKind 7.5)'
     Instead = 'read the PSCustomObject it returns (.PSObject.Properties for the keys); on 5.1 a JSON array comes out as one object, as -NoEnumerate does' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'ConvertTo-Json'; New = 'EnumsAsStrings', 'AsArray', 'EscapeHandling'
     Lacks = 'ConvertTo-Json has only -InputObject, -Depth and -Compress in 5.1 (-EnumsAsStrings, -AsArray, -EscapeHandling are 6+)'
     Instead = 'convert first: enums with [string], arrays with ConvertTo-Json -InputObject @($x)' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Invoke-WebRequest', 'Invoke-RestMethod'
     New = 'SkipCertificateCheck', 'SslProtocol', 'Authentication', 'Token', 'AllowUnencryptedAuthentication', 'SkipHeaderValidation', 'Form',
           'Resume', 'SkipHttpErrorCheck', 'MaximumRetryCount', 'RetryIntervalSec', 'NoProxy', 'CustomMethod', 'CM', 'HttpVersion',
           'ConnectionTimeoutSeconds', 'OperationTimeoutSeconds', 'AllowInsecureRedirect', 'PreserveAuthorizationOnRedirect',
           'PreserveHttpMethodOnRedirect', 'UnixSocket', 'StatusCodeVariable', 'ResponseHeadersVariable', 'RHV', 'FollowRelLink', 'FL',
           'MaximumFollowRelLink', 'ML'
     Lacks = 'this Invoke-WebRequest/Invoke-RestMethod parameter is PowerShell 6.0+'
     Instead = 'use the 5.1 parameters (-TimeoutSec, -Method, -Headers, -Body, -Credential); for TLS set [Net.ServicePointManager]::SecurityProtocol; certificate checks cannot be skipped per call' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Get-Content', 'Set-Content', 'Add-Content'; New = 'AsByteStream'
     Lacks = '-AsByteStream is PowerShell 6.0+'; Instead = 'write -Encoding Byte on 5.1, or [System.IO.File]::ReadAllBytes/WriteAllBytes (the same on both)' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Select-Object'; New = 'SkipIndex', 'CaseInsensitive'
     Lacks = 'Select-Object -SkipIndex (6.0) and -CaseInsensitive (7.4) are not in 5.1'; Instead = 'filter with Where-Object, or use -Index with the indexes to keep' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Sort-Object'; New = 'Top', 'Bottom', 'Stable'
     Lacks = 'Sort-Object -Top, -Bottom and -Stable are PowerShell 6+'; Instead = 'sort, then Select-Object -First/-Last' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Measure-Object'; New = 'AllStats', 'StandardDeviation'
     Lacks = 'Measure-Object -AllStats and -StandardDeviation are PowerShell 6+'; Instead = 'compute them from -Sum, -Average, -Minimum, -Maximum' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Get-Date'; New = 'AsUTC', 'UnixTimeSeconds', 'UnixTime'
     Lacks = 'Get-Date -AsUTC and -UnixTimeSeconds are PowerShell 7.1+'; Instead = 'write (Get-Date).ToUniversalTime() and [DateTimeOffset]::FromUnixTimeSeconds($s).UtcDateTime' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Select-String'; New = 'Raw', 'NoEmphasis', 'Culture'
     Lacks = 'Select-String -Raw, -NoEmphasis and -Culture are PowerShell 7.0+'; Instead = 'read .Line of each MatchInfo' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Export-Csv', 'ConvertTo-Csv'; New = 'IncludeTypeInformation', 'ITI', 'UseQuotes', 'UQ', 'QuoteFields', 'QF', 'NoHeader'
     Lacks = 'this Export-Csv/ConvertTo-Csv parameter is PowerShell 6.0+ (5.1 writes type information unless -NoTypeInformation, and always quotes)'
     Instead = 'write -NoTypeInformation, and accept quoted fields' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Out-String'; New = 'NoNewline'
     Lacks = 'Out-String -NoNewline is PowerShell 6+'; Instead = 'write (... | Out-String).TrimEnd()' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Get-Random'; New = 'Shuffle'
     Lacks = 'Get-Random -Shuffle is PowerShell 7.x'; Instead = 'write Get-Random -Count $list.Count -InputObject $list' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Tee-Object'; New = 'Encoding'
     Lacks = 'Tee-Object -Encoding is PowerShell 7.2+'; Instead = 'tee to a variable, then Set-Content -Encoding' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Get-Unique'; New = 'CaseInsensitive'
     Lacks = 'Get-Unique -CaseInsensitive is PowerShell 7.4+'; Instead = 'write Sort-Object -Unique (case-insensitive)' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Format-Hex'; New = 'Count', 'Offset'
     Lacks = 'Format-Hex -Count and -Offset are PowerShell 6+'; Instead = 'slice the bytes first' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'ConvertFrom-StringData'; New = 'Delimiter'
     Lacks = 'ConvertFrom-StringData -Delimiter is PowerShell 7.x'; Instead = "use 'key=value' lines" }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Join-Path'; New = 'AdditionalChildPath'; Positional = 'Path', 'ChildPath'
     Lacks = 'Join-Path takes one child path in 5.1 (-AdditionalChildPath, and a third positional path, are 6.0+)'; Instead = 'nest the calls: Join-Path (Join-Path $a $b) $c' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Split-Path'; New = 'LeafBase', 'Extension'
     Lacks = 'Split-Path -LeafBase and -Extension are PowerShell 6.0+'; Instead = 'write [System.IO.Path]::GetFileNameWithoutExtension($p) / GetExtension($p)' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Resolve-Path'; New = 'RelativeBasePath', 'Force'
     Lacks = 'Resolve-Path -RelativeBasePath and -Force are PowerShell 7.4+'; Instead = 'Push-Location to the base, then Resolve-Path -Relative' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Get-ChildItem'; New = 'FollowSymlink'
     Lacks = 'Get-ChildItem -FollowSymlink is PowerShell 6.0+'; Instead = 'recurse into the link targets explicitly' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Start-Process'; New = 'Environment'
     Lacks = 'Start-Process -Environment is PowerShell 7.4+'; Instead = 'set $env:NAME before the call and restore it after' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Wait-Process'; New = 'Any', 'PassThru'
     Lacks = 'Wait-Process -Any and -PassThru are PowerShell 7.x'; Instead = 'wait on the process objects ($p.WaitForExit($ms))' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Start-Sleep'; New = 'Duration', 'ts'
     Lacks = 'Start-Sleep -Duration is PowerShell 7.3+'; Instead = 'write Start-Sleep -Milliseconds' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Start-Job'; New = 'WorkingDirectory'
     Lacks = 'Start-Job -WorkingDirectory is PowerShell 7.0+'; Instead = 'Set-Location inside the job script block' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Import-Module'; New = 'UseWindowsPowerShell', 'UseWinPS', 'SkipEditionCheck'
     Lacks = 'Import-Module -UseWindowsPowerShell and -SkipEditionCheck are PowerShell 6.0+ (5.1 is Windows PowerShell)'; Instead = 'import the module as is' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Get-Module'; New = 'SkipEditionCheck'
     Lacks = 'Get-Module -SkipEditionCheck is PowerShell 6+'; Instead = 'drop it' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Invoke-Command', 'New-PSSession', 'Enter-PSSession'
     New = 'HostName', 'UserName', 'KeyFilePath', 'IdentityFilePath', 'Subsystem', 'SSHTransport', 'SSHConnection', 'Options', 'ConnectingTimeout', 'UseWindowsPowerShell'
     Lacks = 'SSH remoting (-HostName, -UserName, -KeyFilePath, -SSHTransport, ...) is PowerShell 6.0+'; Instead = 'use WinRM: -ComputerName with -Credential' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Test-Connection'
     New = 'TargetName', 'Ping', 'IPv4', 'IPv6', 'ResolveDestination', 'MaxHops', 'Hops', 'DontFragment', 'Repeat', 'Continuous',
           'TimeoutSeconds', 'MtuSize', 'MtuSizeDetect', 'Traceroute', 'TcpPort', 'Detailed'
     Lacks = 'this Test-Connection parameter is PowerShell 6.0+ (5.1 pings through WMI and returns Win32_PingStatus)'
     Instead = 'write Test-Connection -ComputerName -Count -Quiet; for a TCP port use Test-NetConnection -Port or [Net.Sockets.TcpClient]' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Get-PfxCertificate'; New = 'Password', 'NoPromptForPassword'
     Lacks = 'Get-PfxCertificate -Password and -NoPromptForPassword are PowerShell 6+'; Instead = 'write New-Object Security.Cryptography.X509Certificates.X509Certificate2($path, $password)' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Get-Culture'; New = 'Name', 'ListAvailable', 'NoUserOverrides'
     Lacks = 'Get-Culture takes no parameters in 5.1 (-Name, -ListAvailable, -NoUserOverrides are 6+)'; Instead = "write [Globalization.CultureInfo]'name' or [Globalization.CultureInfo]::GetCultures('AllCultures')" }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Start-Transcript'; New = 'UseMinimalHeader'
     Lacks = 'Start-Transcript -UseMinimalHeader is PowerShell 6+'; Instead = 'drop it' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Get-Command'; New = 'UseFuzzyMatching', 'FuzzyMinimumDistance', 'UseAbbreviationExpansion'
     Lacks = 'Get-Command -UseFuzzyMatching and -UseAbbreviationExpansion are PowerShell 6+'; Instead = 'use wildcards in -Name' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'Set-Service'; New = 'SecurityDescriptorSddl', 'sd', 'Credential', 'Force', 'StartType'
     Known = 'Name(ServiceName/SN)', 'DisplayName(DN)', 'Description', 'StartupType(StartMode/SM/ST)', 'Status', 'InputObject', 'PassThru', 'WhatIf(wi)', 'Confirm(cf)'
     Lacks = 'Set-Service -SecurityDescriptorSddl, -Credential, -Force (and the alias -StartType) are PowerShell 6+'
     Instead = 'run sc.exe sdset/config through Invoke-SupctlNative, or use Win32_Service through CIM' }
  @{ Rule = 'new-parameter'; Kind = 'lacks'; Command = 'New-Service'; New = 'SecurityDescriptorSddl', 'sd'
     Known = 'Name(ServiceName)', 'BinaryPathName(Path)', 'DisplayName', 'Description', 'StartupType(StartMode/SM/ST)', 'Credential', 'DependsOn', 'WhatIf(wi)', 'Confirm(cf)'
     Lacks = 'New-Service -SecurityDescriptorSddl is PowerShell 7.0+'; Instead = 'run sc.exe sdset through Invoke-SupctlNative' }

  # Parameter values 5.1 rejects.
  @{ Rule = 'new-value'; Kind = 'lacks'; Command = 'Set-Service', 'New-Service'; Parameter = 'StartupType'; Values = 'AutomaticDelayedStart', 'InvalidValue'
     Lacks = '-StartupType AutomaticDelayedStart is PowerShell 6.0+ (5.1 has Boot, System, Automatic, Manual, Disabled)'; Instead = "run 'sc.exe config <name> start= delayed-auto' through Invoke-SupctlNative" }
  @{ Rule = 'new-value'; Kind = 'lacks'; Command = 'Get-Content', 'Set-Content', 'Add-Content', 'Out-File', 'Export-Csv', 'Import-Csv', 'Select-String', 'Export-Clixml', 'Format-Hex'
     Parameter = 'Encoding'; Allowed = 'Unknown', 'String', 'Unicode', 'Byte', 'BigEndianUnicode', 'UTF8', 'UTF7', 'UTF32', 'ASCII', 'Default', 'OEM', 'BigEndianUTF32'
     Lacks = 'Windows PowerShell 5.1 takes only Unicode, BigEndianUnicode, UTF8 (with BOM), UTF7, UTF32, ASCII, Default, OEM (and Byte) for -Encoding (utf8NoBOM, utf8BOM, ansi and code page numbers are 6.0+)'
     Instead = 'write -Encoding ASCII (ASCII text), or [System.IO.File]::WriteAllText($path, $text, (New-Object System.Text.UTF8Encoding $false)) for UTF-8 without BOM' }
  @{ Rule = 'new-value'; Kind = 'lacks'; Command = '*'; Parameter = 'ErrorAction', 'WarningAction', 'InformationAction'; Values = 'Break'
     Lacks = 'the action preference Break is PowerShell 7.0+'; Instead = 'use Stop, or Inquire' }

  # What 5.1 runs with another result than the 7.x the tests run.
  @{ Rule = 'native-stderr'; Kind = 'differs'
     Lacks = "Windows PowerShell 5.1 turns each stderr line of a native program into an error record when stream 2 is redirected (2>&1, 2>`$null, 2>file, *>...): under `$ErrorActionPreference = 'Stop' (set by supctl's bootstrap) the first line throws NativeCommandError, so the exit-code check after it never runs"
     Instead = 'run native programs through the Invoke-SupctlNative seam'
     Node = [CommandAst]; Find = { param($nodes, $c) foreach ($n in $nodes) { if ($n.Redirections.Count -gt 0) { Find-NativeStderr $n $c } } } }
  @{ Rule = 'alias-shadows-native'; Kind = 'differs'
     Lacks = 'in Windows PowerShell 5.1 this name is an alias (sc: Set-Content; curl, wget: Invoke-WebRequest), not the program'
     Instead = 'name the program with its extension (sc.exe, curl.exe) and run it through Invoke-SupctlNative'
     Node = [CommandAst]; Find = { param($nodes) foreach ($n in $nodes) { if ($n.GetCommandName() -in 'sc', 'curl', 'wget') { $n.CommandElements[0].Extent } } } }
  @{ Rule = 'replace-scriptblock'; Kind = 'differs'
     Lacks = '-replace with a script block substitution is PowerShell 6.1+ (5.1 turns the script block into its text)'
     Instead = 'write [regex]::Replace($s, $pattern, { param($m) ... })'
     Node = [BinaryExpressionAst]
     Find = { param($nodes) foreach ($n in $nodes) { if ($n.Operator -in 'Ireplace', 'Creplace' -and $n.Right -is [ArrayLiteralAst] -and $n.Right.Elements.Count -eq 2 -and $n.Right.Elements[1] -is [ScriptBlockExpressionAst]) { $n.Right.Elements[1].Extent } } } }
  @{ Rule = 'string-split'; Kind = 'differs'
     Lacks = ".NET Framework has no String.Split(string): on 5.1 'a--b'.Split('--') splits at each character of the separator"
     Instead = "write `$s -split [regex]::Escape('--'), or `$s.Split([string[]]@('--'), [StringSplitOptions]::None)"
     Node = [InvokeMemberExpressionAst]
     Find = { param($nodes) foreach ($n in $nodes) { if (-not $n.Static -and $n.Member -is [StringConstantExpressionAst] -and $n.Member.Value -eq 'Split' -and $null -ne $n.Arguments -and $n.Arguments.Count -ge 1 -and $n.Arguments[0] -is [StringConstantExpressionAst] -and $n.Arguments[0].Value.Length -gt 1) { $n.Arguments[0].Extent } } } }
  @{ Rule = 'sleep-fraction'; Kind = 'differs'
     Lacks = 'Start-Sleep -Seconds takes an [int] on 5.1: a fraction is rounded (0.5 sleeps 0 s)'; Instead = 'write Start-Sleep -Milliseconds 500'
     Node = [CommandAst]; Find = { param($nodes, $c) foreach ($n in $nodes) { if ($c.Canonical[$n] -eq 'Start-Sleep') { Find-SleepFraction $n $c } } } }
  @{ Rule = 'iwr-basic-parsing'; Kind = 'differs'
     Lacks = 'Invoke-WebRequest on 5.1 parses the response with Internet Explorer unless -UseBasicParsing, and fails where IE was never set up (service accounts, Server Core)'
     Instead = 'add -UseBasicParsing (7.x ignores it)'
     Node = [CommandAst]; Find = { param($nodes, $c) foreach ($n in $nodes) { if ($c.Canonical[$n] -eq 'Invoke-WebRequest' -and $n.GetCommandName() -notin 'curl', 'wget') { Find-IwrWithoutBasicParsing $n $c } } } }
  @{ Rule = 'default-encoding'; Kind = 'differs'
     Lacks = 'with no -Encoding, 5.1 writes Out-File and Tee-Object as UTF-16LE, Set-Content/Add-Content as ANSI and Export-Csv as ASCII, where 7.x writes UTF-8 without BOM'
     Instead = 'pass -Encoding (ASCII and Unicode are the same on both; UTF8 writes a BOM on 5.1 only), or write with [System.IO.File]::WriteAllText and an explicit encoding'
     Node = [CommandAst]; Find = { param($nodes, $c) foreach ($n in $nodes) { if ($c.Canonical[$n] -in 'Out-File', 'Set-Content', 'Add-Content', 'Export-Csv', 'Tee-Object' -and $n.GetCommandName() -ne 'sc') { Find-DefaultEncodingWriter $n $c } } } }
  @{ Rule = 'default-encoding'; Kind = 'differs'
     Lacks = "the redirection '>'/'>>' to a file writes UTF-16LE on 5.1 (Out-File's default), UTF-8 without BOM on 7.x"
     Instead = 'write with Set-Content -Encoding ASCII (or Out-File -Encoding ...), or discard with >$null'
     Node = [FileRedirectionAst]; Find = { param($nodes) foreach ($n in $nodes) { if (-not ($n.Location -is [VariableExpressionAst] -and $n.Location.VariablePath.UserPath -eq 'null')) { $n.Extent } } } }

  @{ Rule = 'unicode'; Kind = 'differs'
     Lacks = 'a character outside ASCII: 5.1 reads a script without BOM in the ANSI code page, and supctl sends ASCII'
     Instead = 'write ASCII only; build other characters at run time with [char]0x00E9'
     Scan = { param($c) Find-NonAscii $c } }

  @{ Rule = 'allow-comment'; Kind = 'lacks'
     Lacks = "an exemption must read '# lint51: allow <rule> (<reason>)', name a rule of this lint, and allow a finding on its line or the next"
     Instead = 'fix the comment, or remove it' }
)

# ---- what PowerShell knows of commands ------------------------------------------------------------------------
# The default aliases of Windows PowerShell 5.1 (a name here runs a PowerShell command, not a program), with the
# cmdlet each one names when a rule above needs it.
$AliasTarget = @{
  '%' = 'ForEach-Object'; 'foreach' = 'ForEach-Object'; '?' = 'Where-Object'; 'where' = 'Where-Object'; 'select' = 'Select-Object'
  'sort' = 'Sort-Object'; 'measure' = 'Measure-Object'; 'sls' = 'Select-String'; 'epcsv' = 'Export-Csv'; 'ipcsv' = 'Import-Csv'
  'gu' = 'Get-Unique'; 'fhx' = 'Format-Hex'; 'tee' = 'Tee-Object'; 'ipmo' = 'Import-Module'; 'gmo' = 'Get-Module'; 'sajb' = 'Start-Job'
  'icm' = 'Invoke-Command'; 'nsn' = 'New-PSSession'; 'etsn' = 'Enter-PSSession'; 'sleep' = 'Start-Sleep'; 'gc' = 'Get-Content'
  'cat' = 'Get-Content'; 'type' = 'Get-Content'; 'sc' = 'Set-Content'; 'ac' = 'Add-Content'; 'gci' = 'Get-ChildItem'; 'ls' = 'Get-ChildItem'
  'dir' = 'Get-ChildItem'; 'rvpa' = 'Resolve-Path'; 'saps' = 'Start-Process'; 'start' = 'Start-Process'; 'iwr' = 'Invoke-WebRequest'
  'curl' = 'Invoke-WebRequest'; 'wget' = 'Invoke-WebRequest'; 'irm' = 'Invoke-RestMethod'; 'gcm' = 'Get-Command'
}
$Aliases51 = @(
  'ac asnp cat cd CFS chdir clc clear clhy cli clp cls clv cnsn compare copy cp cpi cpp curl cvpa dbp del diff dir dnsn ebp echo epal'
  'epcsv epsn erase etsn exsn fc fhx fl foreach ft fw gal gbp gc gcb gci gcm gcs gdr ghy gi gin gjb gl gm gmo gp gps gpv group gsn gsnp'
  'gsv gtz gu gv gwmi h history icm iex ihy ii ipal ipcsv ipmo ipsn irm ise iwmi iwr kill lp ls man md measure mi mount move mp mv nal'
  'ndr ni nmo npssc nsn nv ogv oh popd ps pushd pwd r rbp rcjb rcsn rd rdr ren ri rjb rm rmdir rmo rni rnp rp rsn rsnp rujb rv rvpa rwmi'
  'sajb sal saps sasv sbp sc scb select set shcm si sl sleep sls sort sp spjb spps spsv start stz sujb sv swmi tee trcm type wget where'
  'wjb write % ?'
) -join ' ' -split ' '
$CommonParameters = 'Verbose(vb)', 'Debug(db)', 'ErrorAction(ea)', 'WarningAction(wa)', 'InformationAction(infa)', 'ProgressAction(proga)',
  'ErrorVariable(ev)', 'WarningVariable(wv)', 'InformationVariable(iv)', 'OutVariable(ov)', 'OutBuffer(ob)', 'PipelineVariable(pv)'
$Script:ParameterCache = @{}

# ---- helpers the rules use -------------------------------------------------------------------------------------
# The first token of $kind that starts at or after $offset: where an operator sits that the AST does not place.
function Find-Token($c, [string]$kind, [int]$offset) {
  foreach ($t in $c.Tokens) {
    if ($t.Extent.StartOffset -ge $offset -and [string]$t.Kind -eq $kind) { return $t.Extent }
  }
}

# Whether a command name runs PowerShell code rather than a program: Verb-Noun, a 5.1 alias, or a function of the file.
function Test-PowerShellCommand([string]$name, $c) {
  if ($name -match '^[\w.]+\\\w+-\w+$' -or $name -match '^[A-Za-z]+-[A-Za-z][\w]*$') { return $true }
  return ($Aliases51 -contains $name) -or $c.Functions.Contains($name)
}

# The parameters of a cmdlet as PowerShell 7 binds them: each spelling (name or alias) with its parameter, from
# this PowerShell when it has the cmdlet, else from the rule's Known list.
function Get-ParameterSpelling([string]$command, $row) {
  $key = $command.ToLowerInvariant()
  if ($Script:ParameterCache.ContainsKey($key)) { return $Script:ParameterCache[$key] }
  $spellings = [System.Collections.Generic.List[object]]::new()
  $info = $null
  if ($command -ne '*') { $info = Get-Command -Name $command -CommandType Cmdlet -ErrorAction Ignore | Select-Object -First 1 }
  $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
  if ($null -ne $info) {
    foreach ($p in $info.Parameters.Values) {
      foreach ($s in @($p.Name) + @($p.Aliases)) {
        $spellings.Add([pscustomobject]@{ Spelling = $s; Parameter = $p.Name; IsCommon = $common -contains $p.Name; IsSwitch = $p.SwitchParameter })
      }
    }
  } else {
    $declared = @()
    if ($null -ne $row -and $row.ContainsKey('Known')) { $declared += $row.Known }
    if ($null -ne $row -and $row.ContainsKey('New')) { $declared += $row.New }
    foreach ($d in $declared + $CommonParameters) {
      $null = $d -match '^(\w+)(?:\(([\w/]+)\))?$'
      $name = $Matches[1]
      $isCommon = $CommonParameters -contains $d
      $isSwitch = $name -in 'Verbose', 'Debug', 'WhatIf', 'Confirm', 'PassThru', 'Force'
      foreach ($s in @($name) + @(if ($Matches.ContainsKey(2)) { $Matches[2] -split '/' })) {
        $spellings.Add([pscustomobject]@{ Spelling = $s; Parameter = $name; IsCommon = $isCommon; IsSwitch = $isSwitch })
      }
    }
  }
  $Script:ParameterCache[$key] = $spellings
  return $spellings
}

# Which parameter '-$given' binds to, as PowerShell does: an exact name or alias, else the one parameter whose
# names start with it (a cmdlet's own parameter wins over common ones). Returns the parameter and the spellings
# it matched, or $null when it is ambiguous or unknown.
function Resolve-Parameter($spellings, [string]$given) {
  foreach ($s in $spellings) {
    if ($s.Spelling -eq $given) { return [pscustomobject]@{ Parameter = $s.Parameter; Spellings = @($s.Spelling); IsSwitch = $s.IsSwitch } }
  }
  $prefix = [System.Collections.Generic.List[object]]::new()
  foreach ($s in $spellings) { if ($s.Spelling.StartsWith($given, [StringComparison]::OrdinalIgnoreCase)) { $prefix.Add($s) } }
  $parameters = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
  foreach ($s in $prefix) { $null = $parameters.Add($s.Parameter) }
  if ($parameters.Count -gt 1) {
    $parameters.Clear()
    foreach ($s in $prefix) { if (-not $s.IsCommon) { $null = $parameters.Add($s.Parameter) } }
  }
  if ($parameters.Count -ne 1) { return $null }
  $parameter = @($parameters)[0]
  $matched = @(foreach ($s in $prefix) { if ($s.Parameter -eq $parameter) { $s } })
  return [pscustomobject]@{ Parameter = $parameter; Spellings = @(foreach ($m in $matched) { $m.Spelling }); IsSwitch = $matched[0].IsSwitch }
}

# The arguments of a command as PowerShell binds them by name: each named parameter (resolved, with its argument
# element) and the positional arguments in order. HasSplat when @args may bind anything.
function Get-CommandBinding([CommandAst]$command, [string]$canonical, $row) {
  $spellings = Get-ParameterSpelling $canonical $row
  $named = [System.Collections.Generic.List[object]]::new()
  $positional = [System.Collections.Generic.List[object]]::new()
  $hasSplat = $false
  $elements = $command.CommandElements
  for ($i = 1; $i -lt $elements.Count; $i++) {
    $e = $elements[$i]
    if ($e -is [CommandParameterAst]) {
      $resolved = Resolve-Parameter $spellings $e.ParameterName
      $argument = $e.Argument
      $takesNext = $null -eq $argument -and -not ($null -ne $resolved -and $resolved.IsSwitch) -and $i + 1 -lt $elements.Count -and $elements[$i + 1] -isnot [CommandParameterAst]
      if ($takesNext) { $argument = $elements[$i + 1]; $i++ }
      $named.Add([pscustomobject]@{ Element = $e; Given = $e.ParameterName; Resolved = $resolved; Argument = $argument })
    } elseif ($e -is [VariableExpressionAst] -and $e.Splatted) {
      $hasSplat = $true
    } else {
      $positional.Add($e)
    }
  }
  return [pscustomobject]@{ Named = $named; Positional = $positional; HasSplat = $hasSplat }
}

# Whether the command binds a parameter named $parameter (by any spelling), or may through a splat.
function Test-Bound($binding, [string]$parameter) {
  if ($binding.HasSplat) { return $true }
  foreach ($n in $binding.Named) { if ($null -ne $n.Resolved -and $n.Resolved.Parameter -eq $parameter) { return $true } }
  return $false
}

function Find-NativeStderr([CommandAst]$command, $c) {
  $name = $command.GetCommandName()
  if ($null -ne $name -and (Test-PowerShellCommand $name $c)) { return }
  foreach ($r in $command.Redirections) {
    if ([string]$r.FromStream -in 'Error', 'All') {
      $what = if ($null -eq $name) { 'a command run through a variable or script block' } else { "the program '$name'" }
      @{ At = $r.Extent; Detail = "$($r.Extent.Text) on $what" }
    }
  }
}

function Find-SleepFraction([CommandAst]$command, $c) {
  $binding = Get-CommandBinding $command 'Start-Sleep' $null
  $values = @(foreach ($n in $binding.Named) { if ($null -ne $n.Resolved -and $n.Resolved.Parameter -eq 'Seconds') { $n.Argument } })
  if (-not (Test-Bound $binding 'Seconds') -and -not (Test-Bound $binding 'Milliseconds') -and $binding.Positional.Count -gt 0) { $values += $binding.Positional[0] }
  foreach ($v in $values) {
    if ($v -is [ConstantExpressionAst] -and $v.Value -is [double] -and $v.Value -ne [math]::Truncate($v.Value)) { $v.Extent }
  }
}

function Find-IwrWithoutBasicParsing([CommandAst]$command, $c) {
  $binding = Get-CommandBinding $command 'Invoke-WebRequest' $null
  if (-not (Test-Bound $binding 'UseBasicParsing')) { $command.CommandElements[0].Extent }
}

function Find-DefaultEncodingWriter([CommandAst]$command, $c) {
  $canonical = $c.Canonical[$command]
  $binding = Get-CommandBinding $command $canonical $null
  if ($canonical -eq 'Tee-Object' -and (Test-Bound $binding 'Variable')) { return }
  if ($canonical -in 'Set-Content', 'Add-Content' -and (Test-Bound $binding 'AsByteStream')) { return }
  if (-not (Test-Bound $binding 'Encoding')) { $command.CommandElements[0].Extent }
}

# A static member of a .NET type that .NET Framework lacks: [IO.Path]::Join, [Environment]::ProcessId.
function Find-StaticMember([MemberExpressionAst]$member, $c) {
  if ($member.Expression -isnot [TypeExpressionAst] -or $member.Member -isnot [StringConstantExpressionAst]) { return }
  $name = $member.Expression.TypeName.FullName
  $type = $Accelerators[$name]
  $full = if ($null -ne $type) { $type.FullName } elseif ($name -like 'System.*') { $name } else { 'System.' + $name }
  $key = $full + '::' + $member.Member.Value
  if ($MemberRow.Members -contains $key) { @{ At = $member.Member.Extent; Detail = "[$name]::$($member.Member.Value)" } }
}

# '#requires' that 5.1 refuses: the parser's requirements decide, the comment token places the finding.
function Find-RequiresFinding($c) {
  $requirements = $c.Ast.ScriptRequirements
  if ($null -eq $requirements) { return }
  $tooNew = $null -ne $requirements.RequiredPSVersion -and $requirements.RequiredPSVersion -gt [version]'5.1'
  $core = @($requirements.RequiredPSEditions) -contains 'Core' -and @($requirements.RequiredPSEditions) -notcontains 'Desktop'
  foreach ($t in $c.Tokens) {
    if ($t.Kind -ne 'Comment' -or $t.Text -notmatch '^#requires\s') { continue }
    if (($tooNew -and $t.Text -match '\s-version\s') -or ($core -and $t.Text -match '\s-psedition\s')) { @{ At = $t.Extent; Detail = $t.Text } }
  }
}

# '`e' and '`u{' in the text of an expandable string or bare word, outside its nested $(...) tokens.
function Find-StringEscape($token) {
  if ($token.Kind -notin 'StringExpandable', 'HereStringExpandable', 'Generic') { return }
  $text = $token.Text
  $start = $token.Extent.StartOffset
  $skip = @()
  if ($token -is [StringExpandableToken] -and $null -ne $token.NestedTokens) {
    foreach ($n in $token.NestedTokens) {
      $skip += , @(($n.Extent.StartOffset - $start), ($n.Extent.EndOffset - $start))
      Find-StringEscape $n
    }
  }
  for ($i = 0; $i -lt $text.Length - 1; $i++) {
    $inside = $false
    foreach ($s in $skip) { if ($i -ge $s[0] -and $i -lt $s[1]) { $inside = $true; $i = $s[1] - 1; break } }
    if ($inside -or $text[$i] -ne '`') { continue }
    $next = $text[$i + 1]
    if ($next -ceq 'e' -or ($next -ceq 'u' -and $i + 2 -lt $text.Length -and $text[$i + 2] -eq '{')) {
      $line = $token.Extent.StartLineNumber
      $column = $token.Extent.StartColumnNumber + $i
      $before = $text.Substring(0, $i)
      $newline = $before.LastIndexOf("`n")
      if ($newline -ge 0) { $line += $before.Split("`n").Count - 1; $column = $i - $newline }
      @{ At = [pscustomobject]@{ StartLineNumber = $line; StartColumnNumber = $column }; Detail = '`' + $next }
    }
    $i++
  }
}

# A number token 5.1 lacks: a binary literal, or a type suffix other than l and d (kb..pb multipliers are fine).
function Test-NewNumber([string]$text) {
  $body = $text.TrimStart('+', '-')
  if ($body -match '^0b') { return $true }
  if ($body -notmatch '^(0x[0-9a-f]+|(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)(?<suffix>[a-z]*)$') { return $false }
  $suffix = $Matches['suffix'] -replace '(kb|mb|gb|tb|pb)$', ''
  return $suffix -notin '', 'l', 'd'
}

function Find-NonAscii($c) {
  if ($c.Bytes.Length -ge 2 -and (($c.Bytes[0] -eq 0xEF -and $c.Bytes[1] -eq 0xBB) -or ($c.Bytes[0] -eq 0xFF -and $c.Bytes[1] -eq 0xFE) -or ($c.Bytes[0] -eq 0xFE -and $c.Bytes[1] -eq 0xFF))) {
    @{ At = [pscustomobject]@{ StartLineNumber = 1; StartColumnNumber = 1 }; Detail = 'a byte order mark' }
  }
  if ($c.Text -notmatch '[^\x00-\x7F]') { return }
  $lines = $c.Text -split "`n"
  for ($l = 0; $l -lt $lines.Count; $l++) {
    $m = [regex]::Match($lines[$l], '[^\x00-\x7F]')
    if ($m.Success) { @{ At = [pscustomobject]@{ StartLineNumber = $l + 1; StartColumnNumber = $m.Index + 1 }; Detail = 'U+{0:X4}' -f [int][char]$m.Value[0] } }
  }
}

# The type names in a type literal, attribute or constraint, generic arguments and array elements included.
function Get-TypeNames([ITypeName]$typeName) {
  if ($typeName -is [ArrayTypeName]) { Get-TypeNames $typeName.ElementType; return }
  if ($typeName -is [GenericTypeName]) {
    Get-TypeNames $typeName.TypeName
    foreach ($g in $typeName.GenericArguments) { Get-TypeNames $g }
    return
  }
  $typeName
}

# ---- the walk --------------------------------------------------------------------------------------------------
$RuleNames = @($Rules | ForEach-Object { $_.Rule } | Select-Object -Unique)
$ParameterRows = @{}
$ValueRows = @{}
foreach ($row in $Rules) {
  if (-not $row.ContainsKey('Command')) { continue }
  $table = if ($row.ContainsKey('Parameter')) { $ValueRows } else { $ParameterRows }
  foreach ($name in $row.Command) {
    if (-not $table.ContainsKey($name)) { $table[$name] = [System.Collections.Generic.List[object]]::new() }
    $table[$name].Add($row)
  }
}
$NewCommandRow = $Rules | Where-Object { $_.ContainsKey('Commands') } | Select-Object -First 1
$VariableRow = $Rules | Where-Object { $_.ContainsKey('Variables') } | Select-Object -First 1
$TypeRow = $Rules | Where-Object { $_.ContainsKey('Types') } | Select-Object -First 1
$AllowRow = $Rules | Where-Object { $_.Rule -eq 'allow-comment' } | Select-Object -First 1
$MemberRow = $Rules | Where-Object { $_.ContainsKey('Members') } | Select-Object -First 1
# The type accelerators of this PowerShell ([string], [math] is not one): how a short type name reads.
$Accelerators = @{}
foreach ($pair in [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')::Get.GetEnumerator()) { $Accelerators[$pair.Key] = $pair.Value }
$NodeRows = @($Rules | Where-Object { $_.ContainsKey('Node') })
$NodeRowsByType = @{}

function Add-Finding($c, $row, $at, [string]$detail = '') {
  if ($at -is [hashtable]) { $detail = $at.Detail; $at = $at.At }
  if ($at -is [Token] -or $at -is [Ast]) { $at = $at.Extent }
  $message = $row.Lacks + '; ' + $row.Instead
  if ($detail) { $message = $detail + ': ' + $message }
  $c.Findings.Add([pscustomobject]@{ Line = [int]$at.StartLineNumber; Column = [int]$at.StartColumnNumber; Rule = $row.Rule; Message = $message })
}

# Command-level rules: commands 5.1 lacks, parameters it lacks (by name, by position) and values it rejects.
function Find-CommandFinding($commands, $c) {
  foreach ($command in $commands) {
    $canonical = $c.Canonical[$command]
    if (-not $canonical) { continue }
    if ($NewCommandRow.Commands -contains $canonical) { Add-Finding $c $NewCommandRow $command.CommandElements[0].Extent $canonical }
    $inTable = $ParameterRows.ContainsKey($canonical) -or $ValueRows.ContainsKey($canonical)
    if (-not $inTable) {
      # Any other command can still misuse a common parameter (-ProgressAction, -ErrorAction Break): bind only then.
      $common = $false
      foreach ($e in $command.CommandElements) { if ($e -is [CommandParameterAst] -and $e.ParameterName -match '^(prog|ea$|wa$|infa$|errora|warninga|informationa)') { $common = $true } }
      if (-not $common -or -not (Test-PowerShellCommand $command.GetCommandName() $c)) { continue }
    }
    $rows = @()
    if ($ParameterRows.ContainsKey($canonical)) { $rows += $ParameterRows[$canonical] }
    $values = @($ValueRows['*'])
    if ($ValueRows.ContainsKey($canonical)) { $values += $ValueRows[$canonical] }
    # Only the cmdlets of the table are looked up; any other command binds just the common parameters here.
    $binding = Get-CommandBinding $command $(if ($inTable) { $canonical } else { '*' }) ($rows | Select-Object -First 1)
    $star = $ParameterRows['*'][0]
    foreach ($n in $binding.Named) {
      $reported = $false
      foreach ($row in $rows) {
        if ($null -ne $n.Resolved -and @(foreach ($s in $n.Resolved.Spellings) { if ($row.New -notcontains $s) { $s } }).Count -eq 0) {
          Add-Finding $c $row $n.Element ('{0} -{1}' -f $canonical, $n.Given); $reported = $true
        }
      }
      # -ProgressAction on any command, known to this table or not (a function of the file, a module's cmdlet).
      if (-not $reported -and (($null -ne $n.Resolved -and $n.Resolved.Parameter -eq 'ProgressAction') -or ($null -eq $n.Resolved -and $star.New -contains $n.Given))) {
        Add-Finding $c $star $n.Element ('{0} -{1}' -f $canonical, $n.Given)
      }
      foreach ($row in $values) {
        if ($null -eq $n.Resolved -or $n.Resolved.Parameter -notin $row.Parameter -or $null -eq $n.Argument) { continue }
        $v = $n.Argument
        if ($v -is [StringConstantExpressionAst]) {
          $bad = if ($row.ContainsKey('Allowed')) { $row.Allowed -notcontains $v.Value } else { $row.Values -contains $v.Value }
        } else {
          $bad = $row.ContainsKey('Allowed') -and $v -is [ConstantExpressionAst]
        }
        if ($bad) { Add-Finding $c $row $v.Extent ('{0} -{1} {2}' -f $canonical, $n.Given, $v.Extent.Text) }
      }
    }
    foreach ($row in $rows) {
      if (-not $row.ContainsKey('Positional') -or $binding.HasSplat) { continue }
      $slots = $row.Positional.Count - @(foreach ($n in $binding.Named) { if ($null -ne $n.Resolved -and $row.Positional -contains $n.Resolved.Parameter) { $n } }).Count
      if ($binding.Positional.Count -gt $slots) {
        Add-Finding $c $row $binding.Positional[$slots].Extent ('{0} with {1} positional arguments' -f $canonical, $binding.Positional.Count)
      }
    }
  }
}

function Find-VariableFinding($variables, $c) {
  foreach ($variable in $variables) {
    if (-not $variable.VariablePath.IsVariable) { continue }
    $name = $variable.VariablePath.UserPath -replace '^(global|script|local|private):', ''
    if ($VariableRow.Variables -contains $name) { Add-Finding $c $VariableRow $variable.Extent ('$' + $name) }
  }
}

function Find-TypeFinding($nodes, $c) {
  foreach ($node in $nodes) {
    foreach ($t in Get-TypeNames $node.TypeName) {
      $name = $t.FullName
      if ($name -eq 'ordered') {
        # 5.1 knows [ordered] only as the cast of a hashtable literal.
        if (-not ($node -is [TypeConstraintAst] -and $node.Parent -is [ConvertExpressionAst] -and $node.Parent.Child -is [HashtableAst])) {
          Add-Finding $c $TypeRow $node.Extent '[ordered] not before @{...}'
        }
        continue
      }
      foreach ($pattern in $TypeRow.Types) {
        if ($name -like $pattern -or ('System.' + $name) -like $pattern) { Add-Finding $c $TypeRow $node.Extent "[$name]"; break }
      }
    }
  }
}

# '# lint51: allow <rule> (<reason>)' comments: the exemptions, and findings for the malformed ones.
function Get-AllowComment($c) {
  foreach ($t in $c.Tokens) {
    if ($t.Kind -ne 'Comment' -or $t.Text -notmatch '^#\s*lint51\s*:(.*)$') { continue }
    $body = $Matches[1]
    if ($body -match '^\s*allow\s+([a-z0-9-]+)\s+\((.*\S.*)\)\s*$' -and $RuleNames -contains $Matches[1] -and $Matches[1] -ne 'allow-comment') {
      [pscustomobject]@{ Rule = $Matches[1]; Line = $t.Extent.StartLineNumber; Extent = $t.Extent; Used = $false }
    } else {
      Add-Finding $c $AllowRow $t.Extent $t.Text
    }
  }
}

function Invoke-Lint([string]$shown, [string]$full) {
  $tokens = $null
  $errors = $null
  $ast = [Parser]::ParseFile($full, [ref]$tokens, [ref]$errors)
  $bytes = [System.IO.File]::ReadAllBytes($full)
  $c = [pscustomobject]@{
    Ast = $ast; Tokens = $tokens; Errors = $errors; Bytes = $bytes; Text = [System.Text.Encoding]::UTF8.GetString($bytes).TrimStart([char]0xFEFF)
    Findings = [System.Collections.Generic.List[object]]::new()
    Functions = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
    Canonical = [hashtable]::new()  # CommandAst -> the cmdlet it names (by reference: no string comparer)
  }
  # One pass sorts the nodes by the rows that look at them (and by what the command, variable and type checks take).
  $lists = @{}
  $commands = [System.Collections.Generic.List[object]]::new()
  $variables = [System.Collections.Generic.List[object]]::new()
  $types = [System.Collections.Generic.List[object]]::new()
  foreach ($node in $ast.FindAll({ $true }, $true)) {
    $type = $node.GetType()
    if (-not $NodeRowsByType.ContainsKey($type)) { $NodeRowsByType[$type] = @(for ($i = 0; $i -lt $NodeRows.Count; $i++) { if ($node -is $NodeRows[$i].Node) { $i } }) }
    foreach ($i in $NodeRowsByType[$type]) {
      if (-not $lists.ContainsKey($i)) { $lists[$i] = [System.Collections.Generic.List[object]]::new() }
      $lists[$i].Add($node)
    }
    if ($node -is [CommandAst]) {
      $commands.Add($node)
      # The cmdlet a command names: a module qualifier dropped, a 5.1 alias resolved.
      $name = $node.GetCommandName()
      if ($name -match '^[\w.]+\\(\w+-\w+)$') { $name = $Matches[1] }
      if ($null -ne $name -and $AliasTarget.ContainsKey($name)) { $name = $AliasTarget[$name] }
      $c.Canonical[$node] = $name
    } elseif ($node -is [VariableExpressionAst]) { $variables.Add($node) }
    elseif ($node -is [TypeExpressionAst] -or $node -is [TypeConstraintAst] -or $node -is [AttributeAst]) { $types.Add($node) }
    elseif ($node -is [FunctionDefinitionAst]) { $null = $c.Functions.Add($node.Name) }
  }

  foreach ($row in $Rules) { if ($row.ContainsKey('Scan')) { foreach ($at in & $row.Scan $c) { Add-Finding $c $row $at } } }
  foreach ($i in $lists.Keys) { foreach ($at in & $NodeRows[$i].Find $lists[$i] $c) { if ($null -ne $at) { Add-Finding $c $NodeRows[$i] $at } } }
  Find-CommandFinding $commands $c
  Find-VariableFinding $variables $c
  Find-TypeFinding $types $c

  # Exemptions: an allow comment on the finding's line or the line before it.
  $allows = @(Get-AllowComment $c)
  $kept = foreach ($f in $c.Findings) {
    $allow = $allows | Where-Object { $_.Rule -eq $f.Rule -and ($_.Line -eq $f.Line -or $_.Line -eq $f.Line - 1) } | Select-Object -First 1
    if ($null -ne $allow -and $f.Rule -ne 'allow-comment') { $allow.Used = $true } else { $f }
  }
  $kept = @($kept)
  foreach ($a in $allows) {
    if (-not $a.Used) { $kept += [pscustomobject]@{ Line = $a.Extent.StartLineNumber; Column = $a.Extent.StartColumnNumber; Rule = 'allow-comment'; Message = "$($a.Extent.Text): allows no $($a.Rule) finding on its line or the next; $($AllowRow.Instead)" } }
  }
  foreach ($f in $kept | Sort-Object Line, Column, Rule) { '{0}:{1}:{2}: {3}: {4}' -f $shown, $f.Line, $f.Column, $f.Rule, $f.Message }
}

# ---- the files -------------------------------------------------------------------------------------------------
# 'pwsh -File Test-SupctlPs51.ps1 -Path a,b' passes the one string 'a,b': split it when no such path exists.
$given = foreach ($p in @($Path) + @($MorePath | Where-Object { $_ })) { if (-not (Test-Path -LiteralPath $p) -and $p.Contains(',')) { $p -split ',' | Where-Object { $_ } } else { $p } }
$files = [System.Collections.Generic.List[object]]::new()
foreach ($p in $given) {
  if (Test-Path -LiteralPath $p -PathType Leaf) {
    $files.Add([pscustomobject]@{ Shown = $p; Full = (Resolve-Path -LiteralPath $p).ProviderPath })
  } elseif (Test-Path -LiteralPath $p -PathType Container) {
    $names = [string[]]@(Get-ChildItem -LiteralPath $p -Filter '*.ps1' -File | Where-Object { $_.Extension -eq '.ps1' } | ForEach-Object { $_.Name })
    if ($names.Count -eq 0) { [Console]::Error.WriteLine("Test-SupctlPs51: the folder '$p' has no *.ps1 file"); exit 2 }
    [Array]::Sort($names, [StringComparer]::Ordinal)
    foreach ($n in $names) { $files.Add([pscustomobject]@{ Shown = (Join-Path $p $n); Full = (Join-Path (Resolve-Path -LiteralPath $p).ProviderPath $n) }) }
  } else {
    [Console]::Error.WriteLine("Test-SupctlPs51: '$p' does not exist"); exit 2
  }
}

$count = 0
foreach ($f in $files) {
  foreach ($line in Invoke-Lint $f.Shown $f.Full) { $count++; $line }
}
'checked {0} files: {1} findings' -f $files.Count, $count
if ($count -gt 0) { exit 1 }
exit 0
