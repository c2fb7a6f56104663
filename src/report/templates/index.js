(function(){
"use strict";
var t0=performance.now();
var D=JSON.parse(document.getElementById("data").textContent);
var files=D.files,rules=D.rules,PAGE=500,shown=PAGE;
var ST=["cleaned","unchanged","skipped","failed"];
var sortKey=2,sortDir=-1;
var q=document.getElementById("q"),rsel=document.getElementById("rule"),ssel=document.getElementById("status");
var tbody=document.getElementById("rows"),count=document.getElementById("count"),more=document.getElementById("more");
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!==undefined)e.textContent=String(text);return e;}
function fam(id){return id.split(".")[0];}
var used={};files.forEach(function(f){for(var i=0;i<f[5].length;i+=2)used[f[5][i]]=1;});
rules.forEach(function(id,i){if(used[i]){var o=el("option","",id);o.value=String(i);rsel.appendChild(o);}});
function ruleCount(f,ri){for(var i=0;i<f[5].length;i+=2)if(f[5][i]===ri)return f[5][i+1];return 0;}
function readHash(){
  var h=location.hash.replace(/^#files\??/,"");if(h===location.hash)return;
  h.split("&").forEach(function(kv){var p=kv.split("="),v=decodeURIComponent(p[1]||"");
    if(p[0]==="rule"){var i=rules.indexOf(v);rsel.value=i<0?"":String(i);}else if(p[0]==="q")q.value=v;else if(p[0]==="status")ssel.value=v;});
}
function writeHash(){
  var parts=[];if(rsel.value)parts.push("rule="+encodeURIComponent(rules[+rsel.value]));
  if(q.value)parts.push("q="+encodeURIComponent(q.value));if(ssel.value)parts.push("status="+ssel.value);
  var h=parts.length?"#files?"+parts.join("&"):"#files";
  if(location.hash!==h)history.replaceState(null,"",h);
}
function render(){
  var needle=q.value.toLowerCase(),ri=rsel.value===""?-1:+rsel.value,st=ssel.value;
  var rows=files.filter(function(f){
    if(needle&&f[0].toLowerCase().indexOf(needle)<0)return false;
    if(ri>=0&&!ruleCount(f,ri))return false;
    if(st==="d")return f[4]>0;
    if(st!==""&&f[1]!==+st)return false;
    return true;
  });
  var k=sortKey,d=sortDir;
  rows.sort(function(a,b){
    var x=k===2&&ri>=0?ruleCount(a,ri):a[k],y=k===2&&ri>=0?ruleCount(b,ri):b[k];
    if(x<y)return -d;if(x>y)return d;return a[0]<b[0]?-1:a[0]>b[0]?1:0;
  });
  tbody.textContent="";
  var frag=document.createDocumentFragment();
  rows.slice(0,shown).forEach(function(f){
    var tr=el("tr","file"),td=el("td","path mono");
    if(f[6]){var a=el("a","",f[0]);a.href=f[6];td.appendChild(a);}else td.textContent=f[0];
    tr.appendChild(td);
    tr.appendChild(el("td","st-"+f[1],ST[f[1]]));
    tr.appendChild(el("td","num",ri>=0?ruleCount(f,ri)+" / "+f[2]:f[2]));
    tr.appendChild(el("td","num",f[4]||""));
    tr.appendChild(el("td","num",f[3]||""));
    var rl=el("td","rl");
    for(var i=0;i<f[5].length;i+=2){var id=rules[f[5][i]];rl.appendChild(el("span","tag f-"+fam(id),id+" "+f[5][i+1]));}
    tr.appendChild(rl);
    frag.appendChild(tr);
  });
  tbody.appendChild(frag);
  count.textContent=rows.length+" of "+files.length+" files"+(rows.length>shown?", showing "+shown:"");
  more.hidden=rows.length<=shown;
  more.textContent="show "+Math.min(PAGE,rows.length-shown)+" more";
  document.querySelectorAll("button.sort").forEach(function(b){
    if(+b.getAttribute("data-key")===sortKey)b.setAttribute("data-dir",sortDir>0?"asc":"desc");else b.removeAttribute("data-dir");
  });
}
function reset(){shown=PAGE;writeHash();render();}
q.addEventListener("input",reset);rsel.addEventListener("change",reset);ssel.addEventListener("change",reset);
more.addEventListener("click",function(){shown+=PAGE;render();});
document.querySelectorAll("button.sort").forEach(function(b){b.addEventListener("click",function(){
  var k=+b.getAttribute("data-key");if(k===sortKey)sortDir=-sortDir;else{sortKey=k;sortDir=k===0?1:-1;}render();});});
document.querySelectorAll("button.rulebtn").forEach(function(b){b.addEventListener("click",function(){
  var i=rules.indexOf(b.getAttribute("data-rule"));rsel.value=String(i);reset();document.getElementById("files").scrollIntoView();});});
document.addEventListener("keydown",function(ev){if(ev.key==="/"&&document.activeElement!==q){ev.preventDefault();q.focus();}});
window.addEventListener("hashchange",function(){readHash();shown=PAGE;render();});
readHash();render();
/* Load-time figures for measurements (scripts/browser-test, bench). */
document.body.setAttribute("data-render-ms",String(Math.round(performance.now()-t0)));
document.body.setAttribute("data-ready-ms",String(Math.round(performance.now())));
})();
