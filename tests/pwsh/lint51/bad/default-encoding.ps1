# expect: default-encoding 5
# expect: default-encoding 6
# expect: default-encoding 7
# Writers whose default encoding differs between 5.1 and 7.x.
$text | Out-File -FilePath $path
Set-Content -LiteralPath $path -Value $text
Get-Service > $path
