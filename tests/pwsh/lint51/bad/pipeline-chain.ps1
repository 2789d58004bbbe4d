# expect: pipeline-chain 4
# expect: pipeline-chain 4
# '&&' and '||' (PowerShell 7.0).
Test-Path -LiteralPath $path && Remove-Item -LiteralPath $path || Write-Warning 'nothing to remove'
