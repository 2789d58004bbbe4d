# configmgr.remove_account {user} -> {}: Remove-CMAccount. A missing account is not an error.
Import-Module "$($env:SMS_ADMIN_UI_PATH)\..\ConfigurationManager.psd1" -ErrorAction Stop
$local = (Get-WmiObject -Namespace 'root\sms' -Class SMS_ProviderLocation | Where-Object { $_.ProviderForLocalSite } | Select-Object -First 1).SiteCode
if (-not $local) { throw 'this server is not an SMS Provider: no local site found in root\sms' }
$previous = Get-Location
Set-Location "$($local):\"
try {
  $account = Get-CMAccount -UserName ([string]$p.user)
  if ($null -ne $account) { Remove-CMAccount -InputObject $account -Force }
} finally {
  Set-Location $previous
}
return @{}
